"""
=========================================
TCA: an embedding where the domains meet
=========================================

Transfer Component Analysis (:class:`tlearn.feature.TCA`) looks for a few
directions of a kernel feature space in which the source and target rows have
close means (a small maximum mean discrepancy) while the rows keep as much of
their variance as possible. Every row, source or target, is mapped the same
way, and the classifier is fitted on the embedded source rows.

Here the target rows are the source distribution moved by a covariate shift
(:func:`tlearn.datasets.make_domain_shift`, 20 features, ``strength=3``):
only two of the features carry the classes, and the shift moves every
feature a little.
"""

# %%
# Two shifted domains
# -------------------

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from tlearn.baselines import SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.feature import TCA

X, y_true, sample_domain = make_domain_shift(
    "covariate",
    n_source=200,
    n_target=500,
    n_features=20,
    strength=3.0,
    mask_target_labels=False,
    random_state=2,
)
target = sample_domain < 0
y = np.where(target, -1, y_true)  # what the methods see: no target label

# %%
# Fit TCA
# -------
# An RBF kernel (``gamma = 1 / n_features`` by default) and two components,
# so that the embedding can be drawn as it is. ``transform`` maps any rows;
# ``sample_domain`` is not needed, as TCA maps every domain alike.

tca = TCA(n_components=2, kernel="rbf", mu=1.0, random_state=0)
tca.fit(X, y, sample_domain=sample_domain)
Z = tca.transform(X)
print(f"solver: {tca.solver_}, eigenvalues: {np.round(tca.eigenvalues_, 2)}")

# Before: the two leading principal axes of the pooled rows.
P = PCA(n_components=2).fit_transform(X)


def mean_gap(D):
    """Distance between the domain means, in units of the pooled spread."""
    return np.linalg.norm(D[target].mean(axis=0) - D[~target].mean(axis=0)) / D.std()


# %%
# Draw both
# ---------
# Colour is the domain, the marker the (true) class. Before, the target cloud
# sits beside the source cloud; in TCA's embedding the two overlap, and the
# classes stay apart along the second component.

fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
panels = (
    (P, "before: PCA of the raw rows", "PC 1", "PC 2"),
    (Z, "after: TCA embedding (rbf, 2 components)", "component 1", "component 2"),
)
for ax, (D, title, xlabel, ylabel) in zip(axes, panels):
    for rows, color, domain in ((~target, "#4c72b0", "source"), (target, "#dd8452", "target")):
        for label, marker in ((0, "o"), (1, "^")):
            keep = rows & (y_true == label)
            ax.scatter(
                D[keep, 0],
                D[keep, 1],
                s=12,
                c=color,
                marker=marker,
                alpha=0.55,
                edgecolors="none",
                label=f"{domain}, class {label}",
            )
    ax.set_title(f"{title}\nmean gap / spread = {mean_gap(D):.2f}", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
axes[0].legend(fontsize=8, markerscale=1.5, loc="best")

# %%
# Accuracy on the target rows
# ---------------------------
# The target labels were never shown to either model; they only score it.

for name, model in (("source only", SourceOnly()), ("TCA", tca)):
    if name == "source only":
        model.fit(X, y, sample_domain=sample_domain)
    print(f"{name:>12}: {np.mean(model.predict(X[target]) == y_true[target]):.3f}")

# %%
# TCA only matches the domain means. When the mean difference carries class
# information (a change of class proportions, for example), removing it hurts:
# see :ref:`negative_transfer` in the user guide.

plt.show()
