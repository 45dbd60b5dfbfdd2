"""
===================================================
KMM: learned weights against the true density ratio
===================================================

Under covariate shift the inputs move, :math:`p_s(x) \\ne p_t(x)`, while the
relation :math:`p(y \\mid x)` stays. Weighting every source row by the density
ratio :math:`p_t(x) / p_s(x)` then turns a source fit into a target fit.
Kernel Mean Matching (:class:`tlearn.instance.KMM`) estimates those weights
without estimating either density: it makes the weighted kernel mean of the
source rows close to the kernel mean of the target rows.

:func:`tlearn.datasets.make_domain_shift` with ``task="regression"`` and one
feature draws source inputs from :math:`\\mathcal{N}(0, 1)` and target inputs
from :math:`\\mathcal{N}(s, 1)` (here :math:`s = 1`), so the true ratio is
known in closed form: :math:`p_t(x) / p_s(x) = \\exp(s x - s^2 / 2)`.
"""

# %%
# A 1-D covariate shift
# ---------------------

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression

from tlearn.baselines import SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.instance import KMM

s = 1.0
X, y_true, sample_domain = make_domain_shift(
    "covariate",
    task="regression",
    n_features=1,
    strength=s,
    mask_target_labels=False,
    random_state=0,
)
source, target = sample_domain >= 0, sample_domain < 0
y = np.where(target, np.nan, y_true)  # NaN: unknown regression target
x_source = X[source, 0]


def true_ratio(x):
    """p_t(x) / p_s(x) for N(s, 1) over N(0, 1)."""
    return np.exp(s * x - s**2 / 2)


# %%
# Fit KMM
# -------
# ``weights_`` holds one weight per source row, in their order in ``X``. The
# kernel width matters: the default is the median heuristic; a wider kernel
# (smaller ``gamma``) gives smoother weights.

models = {
    "median heuristic": KMM(LinearRegression(), random_state=0),
    "gamma=0.1": KMM(LinearRegression(), gamma=0.1, random_state=0),
}
for name, model in models.items():
    model.fit(X, y, sample_domain=sample_domain)
    w = model.weights_
    print(
        f"{name:>16}: gamma_={model.gamma_:.3f}, weights in [{w.min():.2f}, {w.max():.2f}], "
        f"mean {w.mean():.3f}, {model.n_iter_} kernel products"
    )

# %%
# The weights and the ratio
# -------------------------
# Each dot is a source row. KMM's weights follow the ratio where the source
# has rows; in the right tail, where few source rows stand in for many target
# rows, they scatter (``max_weight`` caps them, 1000 by default).

grid = np.linspace(x_source.min(), x_source.max(), 300)
fig, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
ax.plot(grid, true_ratio(grid), color="k", lw=2, label="true ratio $p_t(x) / p_s(x)$")
for (name, model), color in zip(models.items(), ("#4c72b0", "#c44e52")):
    ax.scatter(x_source, model.weights_, s=9, alpha=0.6, color=color, label=f"KMM, {name}")
ax.set_ylim(0, 1.3 * true_ratio(np.quantile(x_source, 0.99)))
ax.set_xlabel("x")
ax.set_ylabel("weight of a source row")
ax.set_title("KMM weights_ against the true density ratio", fontsize=10)
density = ax.twinx()
bins = np.linspace(-3.5, 4.5, 41)
density.hist(x_source, bins=bins, density=True, alpha=0.15, color="#4c72b0")
density.hist(X[target, 0], bins=bins, density=True, alpha=0.15, color="#dd8452")
density.set_yticks([])
density.set_ylim(0, 1.6)
ax.legend(fontsize=8, loc="upper left")
ax.text(
    0.98,
    0.02,
    "shaded: source and target\nhistograms",
    transform=ax.transAxes,
    ha="right",
    va="bottom",
    fontsize=8,
    color="0.4",
)

# %%
# What the weights do to a fit
# ----------------------------
# A straight line cannot follow :math:`f(x) = x + \sin 2x` everywhere; fitted
# on the source rows it follows them around 0, fitted with KMM's weights it
# follows the region where the target rows are.

fig, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
kmm = models["median heuristic"]
source_only = SourceOnly(LinearRegression()).fit(X, y, sample_domain=sample_domain)
ax.scatter(
    x_source,
    y_true[source],
    s=2 + 10 * np.sqrt(kmm.weights_),
    color="#4c72b0",
    alpha=0.4,
    label="source rows (size grows with the weight)",
)
ax.scatter(
    X[target, 0],
    y_true[target],
    s=4,
    color="#dd8452",
    alpha=0.3,
    label="target rows (labels unseen)",
)
line = np.linspace(-3.5, 4.5, 200)[:, None]
ax.plot(line, line[:, 0] + np.sin(2 * line[:, 0]), color="k", lw=1, ls=":", label="f(x)")
for name, model, color in (("source only", source_only, "#4c72b0"), ("KMM", kmm, "#c44e52")):
    mse = np.mean((model.predict(X[target]) - y_true[target]) ** 2)
    ax.plot(line, model.predict(line), color=color, lw=2, label=f"{name}: target MSE {mse:.3f}")
    print(f"{name:>12}: target MSE {mse:.3f}")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("linear regression, unweighted and KMM-weighted", fontsize=10)
ax.legend(fontsize=8, loc="upper left")

plt.show()
