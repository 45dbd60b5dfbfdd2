"""
================================================
TrAdaBoost: source and target weights by round
================================================

TrAdaBoost (:class:`tlearn.instance.TrAdaBoost`) boosts a classifier on the
labelled source rows and a few labelled target rows. After each round, a
source row that the round's learner gets wrong loses weight (factor
:math:`\\beta^{\\ell} < 1`): it disagrees with what the target rows teach. A
target row that the learner gets wrong gains weight, as in AdaBoost.
``source_weights_`` and ``target_weights_`` keep the normalised weights
:math:`p^t` that each round was fitted with; ``weights_`` holds the source
weights after the last update.

The loss :math:`\\ell` is the paper's :math:`|h_t(x) - c(x)|`. The pictures use
the default, ``hypothesis="label"``, where :math:`h_t(x)` is the predicted class
and :math:`\\ell` the 0/1 loss, so only the rows that a round gets wrong move.
The other reading, ``hypothesis="proba"``, takes :math:`h_t(x)` as the predicted
probability: :math:`\\ell = 1 - p_t(c(x) \\mid x)` is positive on every row, so
the target rows gain weight in every round; the last section compares the two.

The target here is the source rotated by 45 degrees
(:func:`tlearn.datasets.make_domain_shift` with ``shift="subspace"``), so
part of the source rows carry a label that the target concept contradicts.
"""

# %%
# Source rows, and 30 labelled target rows
# ----------------------------------------

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from tlearn.baselines import Pooled, SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.instance import TrAdaBoost

X, y_true, sample_domain = make_domain_shift(
    "subspace", n_source=400, n_target=1000, strength=1.0, mask_target_labels=False, random_state=0
)
source = np.flatnonzero(sample_domain >= 0)
target = np.flatnonzero(sample_domain < 0)
labelled, unlabelled = target[:30], target[30:]
y = y_true.copy()
y[unlabelled] = -1  # the methods see 30 target labels

# Which source rows agree with the target concept? Ask a logistic regression
# fitted on every target row with its true label (TrAdaBoost never sees it).
oracle = LogisticRegression().fit(X[target], y_true[target])
agrees = oracle.predict(X[source]) == y_true[source]
print(f"{agrees.mean():.0%} of the source rows agree with the target concept")

# %%
# Fit, and read the weight history
# --------------------------------

model = TrAdaBoost(LogisticRegression(), n_estimators=20, hypothesis="label")
model.fit(X, y, sample_domain=sample_domain)
P_source = model.source_weights_  # (rounds, source rows)
P_target = model.target_weights_  # (rounds, labelled target rows)
rounds = np.arange(1, model.n_estimators_ + 1)
print("target error by round:", np.round(model.estimator_errors_, 2))
print(f"beta = {model.beta_:.3f}")

# %%
# Draw the history
# ----------------
# Left: the share of the total weight held by each group of rows, per round.
# Middle: the weight of single rows (a sample of each group), on a log scale.
# Right: the final source weights (``weights_``) in the feature space, with
# the target concept's boundary.

AGREE, DISAGREE, TARGET = "#4c72b0", "#c44e52", "#dd8452"
fig, axes = plt.subplots(1, 3, figsize=(14, 4.3), layout="constrained")

ax = axes[0]
shares = [P_source[:, agrees].sum(axis=1), P_source[:, ~agrees].sum(axis=1), P_target.sum(axis=1)]
ax.stackplot(
    rounds,
    shares,
    colors=[AGREE, DISAGREE, TARGET],
    alpha=0.8,
    labels=["source rows that agree", "source rows that disagree", "labelled target rows"],
)
ax.set_xlim(1, rounds[-1])
ax.set_ylim(0, 1)
ax.set_xlabel("round t")
ax.set_ylabel("share of the weight $p^t$")
ax.set_title("where the weight goes", fontsize=10)
ax.legend(fontsize=8, loc="lower left")

ax = axes[1]
rng = np.random.default_rng(0)
groups = (
    (P_source[:, agrees], AGREE, "-", "agreeing source rows"),
    (P_source[:, ~agrees], DISAGREE, "-", "disagreeing source rows"),
    (P_target, TARGET, "--", "labelled target rows"),
)
for weights, color, style, label in groups:
    sample = rng.choice(weights.shape[1], size=min(25, weights.shape[1]), replace=False)
    ax.plot(rounds, weights[:, sample], color=color, alpha=0.25, lw=0.8)
    median = np.median(weights, axis=1)
    ax.plot(rounds, median, color=color, ls=style, lw=2.5, label=f"median, {label}")
ax.set_yscale("log")
ax.set_xlabel("round t")
ax.set_ylabel("weight of one row")
ax.set_title("source_weights_ and target_weights_", fontsize=10)
ax.legend(fontsize=8, loc="lower left")

ax = axes[2]
w = model.weights_ / model.weights_.max()
for rows, color, label in ((agrees, AGREE, "agrees"), (~agrees, DISAGREE, "disagrees")):
    ax.scatter(
        X[source[rows], 0],
        X[source[rows], 1],
        s=4 + 60 * w[rows],
        color=color,
        alpha=0.5,
        edgecolors="none",
        label=f"source row that {label}",
    )
for label, face in ((0, "white"), (1, "black")):
    rows = labelled[y_true[labelled] == label]
    ax.scatter(
        X[rows, 0],
        X[rows, 1],
        marker="*",
        s=110,
        c=face,
        edgecolors=TARGET,
        linewidths=1.0,
        label=f"labelled target row, class {label}",
    )
xx, yy = np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-5, 5, 200))
zz = oracle.decision_function(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
ax.contour(xx, yy, zz, levels=[0], colors="k", linestyles="--", linewidths=1)
ax.set_xlim(-5, 5)
ax.set_ylim(-5, 5)
ax.set_aspect("equal")
ax.set_title("weights_ after the last round\n(dashed: the target concept's boundary)", fontsize=10)
ax.legend(fontsize=7, loc="lower left", framealpha=0.9)

# %%
# The weight of the disagreeing source rows falls in the first rounds while
# the target rows gain weight; then the rounds' target errors reach 1/2 and
# the weights settle (see the Notes of :class:`~tlearn.instance.TrAdaBoost`).
#
# Accuracy on the 970 target rows whose labels were hidden, with
# ``hypothesis="proba"`` beside it. Here its steady pull towards the 30
# target rows costs accuracy: after 20 rounds they hold most of the weight.
# On Office-Caltech-10, where a logistic regression classifies every labelled
# row correctly and the 0/1 loss never moves a weight, it is the variant that
# transfers (``benchmarks/instance_office_caltech.py``). Which one suits your
# data is a question for held-out target rows; so is whether to transfer at
# all: here 30 target labels alone do as well as any transfer.

soft = TrAdaBoost(LogisticRegression(), n_estimators=20, hypothesis="proba")
soft.fit(X, y, sample_domain=sample_domain)
print(f"hypothesis='proba': target rows hold {soft.target_weights_[-1].sum():.0%} of the weight")
models = {
    "source only": SourceOnly(LogisticRegression()),
    "pooled": Pooled(LogisticRegression()),
    "TrAdaBoost (label)": model,
    "TrAdaBoost (proba)": soft,
}
for name, estimator in models.items():
    if name in ("source only", "pooled"):
        estimator.fit(X, y, sample_domain=sample_domain)
    accuracy = np.mean(estimator.predict(X[unlabelled]) == y_true[unlabelled])
    print(f"{name:>18}: {accuracy:.3f}")
target_only = LogisticRegression().fit(X[labelled], y_true[labelled])
accuracy = np.mean(target_only.predict(X[unlabelled]) == y_true[unlabelled])
print(f"{'target only':>18}: {accuracy:.3f}")

plt.show()
