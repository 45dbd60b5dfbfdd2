"""
===============================================
CORAL: source and target covariances, aligned
===============================================

CORAL (:class:`tlearn.feature.CORAL`) recolours the source rows so that their
second-order statistics match the target's: it whitens the source with
:math:`(C_s + \\lambda I)^{-1/2}` and recolours it with
:math:`(C_t + \\lambda I)^{1/2}`. The map is stored in ``coral_transform_``.

The target here is the source seen through another "sensor": every target
feature is rescaled and two of them are mixed, so the source and target
covariance matrices differ while the classes stay where they were.
"""

# %%
# Two domains whose covariances differ
# ------------------------------------
# :func:`tlearn.datasets.make_domain_shift` with ``strength=0`` draws source
# and target rows from one distribution (six features, three classes); the
# target rows then go through a fixed linear map ``M``.

import matplotlib.pyplot as plt
import numpy as np

from tlearn.baselines import SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.feature import CORAL

X, y_true, sample_domain = make_domain_shift(
    "covariate",
    n_features=6,
    n_classes=3,
    strength=0.0,
    mask_target_labels=False,
    random_state=0,
)
source, target = sample_domain >= 0, sample_domain < 0
M = np.diag([2.5, 0.6, 1.5, 1.0, 0.8, 2.0])
M[0, 1], M[1, 0] = 0.8, -1.0
X[target] = X[target] @ M
y = np.where(target, -1, y_true)  # the target labels are unknown to the methods

# %%
# Fit CORAL and compare the covariances
# -------------------------------------
# ``transform`` with the source rows' ``sample_domain`` maps them by
# ``coral_transform_``; target rows stay as they are. CORAL matches the
# covariances up to its ridge ``reg`` (the paper's :math:`\lambda = 1`): the
# map makes :math:`A^\top (C_s + \lambda I) A = C_t + \lambda I` exactly,
# which leaves a gap between the unregularised matrices where the source
# variances are not large against :math:`\lambda`. A smaller ``reg`` closes it.

coral = CORAL().fit(X, y, sample_domain=sample_domain)
Xs_mapped = coral.transform(X[source], sample_domain=sample_domain[source])
assert np.allclose(Xs_mapped, X[source] @ coral.coral_transform_[0])

C_source = np.cov(X[source], rowvar=False)
C_target = np.cov(X[target], rowvar=False)
C_mapped = np.cov(Xs_mapped, rowvar=False)

regs = [1.0, 0.1, 0.01]
gaps = {}
for reg in regs:
    model = CORAL(reg=reg).fit(X, y, sample_domain=sample_domain)
    mapped = model.transform(X[source], sample_domain=sample_domain[source])
    gaps[reg] = np.cov(mapped, rowvar=False)
C_small = gaps[0.01]


def distance(C):
    """Frobenius distance to the target covariance."""
    return np.linalg.norm(C - C_target)


panels = [
    (C_source, "source $C_s$"),
    (C_target, "target $C_t$"),
    (coral.coral_transform_[0], "the map $A_s$ (coral_transform_[0])"),
    (C_mapped, "source after CORAL (reg=1)"),
    (C_small, "source after CORAL (reg=0.01)"),
]
limit = max(np.abs(C).max() for C in (C_source, C_target, C_mapped, C_small))
fig, axes = plt.subplots(2, 3, figsize=(11, 7.2), layout="constrained")
for ax, (matrix, title) in zip(axes.flat, panels):
    is_map = title.startswith("the map")
    scale = np.abs(matrix).max() if is_map else limit
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-scale, vmax=scale)
    for (i, j), value in np.ndenumerate(matrix):
        if abs(value) >= 0.05:
            color = "white" if abs(value) > 0.6 * scale else "black"
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=7, color=color)
    if not is_map and matrix is not C_target:
        title += f"\n$\\|C - C_t\\|_F$ = {distance(matrix):.2f}"
    ax.set_title(title, fontsize=10)
    ax.set_xticks(range(6))
    ax.set_yticks(range(6))
    if is_map:
        fig.colorbar(image, ax=ax, shrink=0.8)

ax = axes[1, 2]
names = ["source"] + [f"CORAL\nreg={reg:g}" for reg in regs]
values = [distance(C_source)] + [distance(gaps[reg]) for reg in regs]
ax.bar(names, values, color=["#4c72b0"] + ["#55a868"] * len(regs))
for k, value in enumerate(values):
    ax.text(k, value, f"{value:.2f}", ha="center", va="bottom", fontsize=8)
ax.set_ylabel("$\\|C - C_t\\|_F$")
ax.set_title("distance to the target covariance", fontsize=10)

# %%
# What it changes for the classifier
# ----------------------------------
# The logistic regression fitted on the recoloured source rows predicts the
# target rows as they are. Accuracy on the target (whose labels the methods
# never saw), against the source-only baseline:

for name, model in (("source only", SourceOnly()), ("CORAL", coral)):
    if name == "source only":
        model.fit(X, y, sample_domain=sample_domain)
    accuracy = np.mean(model.predict(X[target]) == y_true[target])
    print(f"{name:>12}: {accuracy:.3f}")

plt.show()
