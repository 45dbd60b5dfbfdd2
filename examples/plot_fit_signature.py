"""
===============================================
The fit signature: stacked rows of every domain
===============================================

Every tlearn estimator is fitted as ``est.fit(X, y, sample_domain=None)``:
``X`` stacks the rows of every domain, ``y`` holds their labels with ``-1``
where a label is unknown, and ``sample_domain`` gives each row its domain,
non-negative for a source domain and negative for a target domain.

:func:`tlearn.stack_domains` builds the three arrays from separate source and
target arrays; the picture below shows what it returns.
"""

# %%
# Stack a small source and a small target domain
# ----------------------------------------------
# Six labelled source rows and four target rows, two of which have a known
# label (``yt`` marks the others ``-1``).

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from tlearn import split_domains, stack_domains

rng = np.random.default_rng(0)
Xs = rng.normal(size=(6, 3)).round(1)
ys = np.array([0, 1, 0, 1, 1, 0])
Xt = (rng.normal(size=(4, 3)) + 1.5).round(1)
yt = np.array([1, -1, 0, -1])

X, y, sample_domain = stack_domains(Xs, ys, Xt, yt)
print("y            ", y)
print("sample_domain", sample_domain)

# %%
# Draw the stacked arrays
# -----------------------
# One line per row: the features, then ``y`` and ``sample_domain``. Source
# rows are blue and target rows orange; a hatched grey cell is an unknown
# label. With ``sample_domain=None`` the domains would be read from ``y``:
# every row whose label is unknown is a target row.

SOURCE, TARGET, UNKNOWN = "#4c72b0", "#dd8452", "#bbbbbb"
n_rows, n_features = X.shape
columns = [f"x{j}" for j in range(n_features)] + ["y", "sample_domain"]

fig, ax = plt.subplots(figsize=(7.5, 4.8))
is_target = sample_domain < 0
# 0: source cell, 1: target cell, 2: unknown label
cells = np.zeros((n_rows, len(columns)), dtype=int)
cells[is_target, :] = 1
cells[is_target & (y == -1), n_features] = 2
colors = ListedColormap([SOURCE, TARGET, UNKNOWN])
ax.imshow(cells, cmap=colors, vmin=0, vmax=2, alpha=0.35, aspect="auto")
for i in range(n_rows):
    for j in range(n_features):
        ax.text(j, i, f"{X[i, j]:.1f}", ha="center", va="center", fontsize=9)
    ax.text(n_features, i, str(y[i]), ha="center", va="center", fontsize=9, weight="bold")
    ax.text(n_features + 1, i, str(sample_domain[i]), ha="center", va="center", fontsize=9)
    if cells[i, n_features] == 2:
        ax.add_patch(
            plt.Rectangle(
                (n_features - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="0.5", lw=0
            )
        )
ax.set_xticks(range(len(columns)), columns)
ax.xaxis.tick_top()
ax.set_yticks(range(n_rows), [f"row {i}" for i in range(n_rows)])
ax.axvline(n_features - 0.5, color="k", lw=1.5)
ax.axhline(len(Xs) - 0.5, color="k", lw=1.5, ls="--")
ax.set_xlim(-0.5, len(columns) - 0.5)
ax.set_ylim(n_rows - 0.5, -0.5)
for side in ax.spines.values():
    side.set_visible(False)
ax.tick_params(length=0)
sides = ((~is_target, "source domain\n(labelled)"), (is_target, "target domain\n(few labels)"))
for rows, text in sides:
    index = np.flatnonzero(rows)
    ax.annotate(
        text,
        xy=(len(columns) - 0.45, index.mean()),
        xytext=(len(columns) - 0.2, index.mean()),
        ha="left",
        va="center",
        fontsize=9,
        annotation_clip=False,
    )
handles = [
    plt.Rectangle((0, 0), 1, 1, color=SOURCE, alpha=0.35, label="source row (id >= 0)"),
    plt.Rectangle((0, 0), 1, 1, color=TARGET, alpha=0.35, label="target row (id < 0)"),
    plt.Rectangle(
        (0, 0), 1, 1, facecolor=UNKNOWN, alpha=0.35, hatch="///", label="unknown label (-1)"
    ),
]
ax.legend(
    handles=handles,
    loc="upper center",
    bbox_to_anchor=(0.5, -0.02),
    ncol=3,
    fontsize=8,
    frameon=False,
)
ax.set_title("est.fit(X, y, sample_domain)", pad=24, family="monospace")
fig.tight_layout()

# %%
# And back again
# --------------
# :func:`tlearn.split_domains` is the inverse: it returns the source and the
# target parts in their original order.

Xs_back, ys_back, Xt_back, yt_back = split_domains(X, y, sample_domain)
print(np.array_equal(Xs_back, Xs), np.array_equal(Xt_back, Xt), yt_back)

plt.show()
