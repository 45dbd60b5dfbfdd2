"""Accuracy of tlearn's feature-based methods on the 12 Office-Caltech-10 SURF tasks.

Every method is fitted on a whole source domain (labelled) and a whole target
domain (unlabelled) and scored on the whole target domain, after the papers'
preprocessing: each row divided by its sum, then every feature z-scored within
its own domain (MATLAB's ``zscore``: ``n - 1`` normalisation). Methods:
source-only, TCA (linear and rbf kernels), subspace alignment (SA) and CORAL,
each with two final classifiers, 1-NN and logistic regression with a fixed
``C``. Hyper-parameters are fixed before any run (never tuned on target labels)
and printed at the top of the output with their source.

``--peers`` runs the same methods from SKADA and ADAPT with the same
hyper-parameters (translated to each library's convention, see the notes
printed with the settings) and the same final classifiers, side by side; a
peer that does not import is named ("Not run: ...") and the rest runs.

``--svm`` adds the CORAL paper's classifiers (Sun et al. AAAI 2016, script
Ex_CORAL.m): ``SVM`` (linear libsvm SVM), ``SVM-rbf`` (libsvm's default kernel,
rbf with gamma = 1/n_features, which the script's no-adaptation baseline gets by
not passing ``-t``) and, for CORAL only, ``SVM-K``: the script's SVM on the
asymmetric precomputed kernel ``K = Xs A Xs'`` (A the CORAL map; tested with
``Xt (Xs A)'``), not on the mapped features. Each picks its ``C`` by stratified
2-fold CV on the labelled source rows (first best ``C``, as MATLAB's ``max``);
the folds are random in the script (libsvm ``-v 2``), so the picked ``C``, and
some tasks' accuracy, depend on the fold seed. ``--cv-seeds N`` fits each SVM once
per fold seed 0..N-1 and reports the mean and the spread; ``--cv-repeats R`` picks
``C`` by the mean score of R random 2-fold splits instead of one.

``--protocol gong-splits`` is the sampling protocol of GFK (Gong et al. CVPR
2012) that the CORAL script follows: ``--splits`` random draws of
``--source-per-class`` labelled source rows per class (at most the class size;
GFK uses 20, and 8 when DSLR is the source; Ex_CORAL.m uses 20 for every source,
so a DSLR source keeps 147 of its 157 rows), the whole target domain adapted to
and scored, accuracy averaged over the draws. The published CORAL row (48.8)
matches the default whole-domain protocol with ``SVM-K``; the published
no-adaptation row (37.8) matches gong-splits with 20 rows per class and ``SVM-rbf``.

The (method, classifier, library, task) grid runs on the shared runner
(``_grid.GridRunner``): ``--n-jobs N`` on N processes (joblib), ``--backend
dask`` on dask.distributed. A cell fits one method with one classifier from one
library on one task (once per CV fold seed or source draw), depends on nothing
else, and pins its BLAS to ``--blas-threads`` (1) threads, so every backend
gives the numbers of the sequential run. Fit times (adaptation + final
classifier) are measured inside each cell (wall clock); with N jobs on N busy
cores they include the contention.

Usage::

    python benchmarks/feature_office_caltech.py            # tlearn, 12 tasks
    python benchmarks/feature_office_caltech.py --peers    # + SKADA and ADAPT
    python benchmarks/feature_office_caltech.py --quick    # 3 tasks (smoke run)
    python benchmarks/feature_office_caltech.py --svm --methods source-only,CORAL
    python benchmarks/feature_office_caltech.py --protocol gong-splits --svm \\
        --methods source-only,CORAL
    python benchmarks/feature_office_caltech.py --svm --methods CORAL \\
        --classifiers SVM-K --cv-seeds 20     # the spread that the fold draw gives
    python benchmarks/feature_office_caltech.py --svm --methods CORAL \\
        --classifiers SVM-K --cv-repeats 20   # C by 20 averaged 2-fold splits
    python benchmarks/feature_office_caltech.py --render saved.json   # re-print a run

Data: ``tlearn.datasets.fetch_office_caltech10`` (``TLEARN_DATA_HOME``,
``TLEARN_DATA_MIRROR``); when the files cannot be had, the Office-Caltech-10
SURF copy shipped with tlearn (``tlearn.datasets.load_office_caltech10``, the
same arrays); the header says which. Output: markdown tables on stdout, CSV,
JSON (every setting, package versions, every cell) and PNG (accuracy per task,
method and library, one panel per classifier) under ``benchmarks/results/``, a
progress bar on stderr.
"""

from __future__ import annotations

import datetime
import importlib
import os
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported by path (the tests) rather than run
    sys.path.insert(0, str(HERE))

import _cli  # noqa: E402
import _common  # noqa: E402
import _grid  # noqa: E402
import _speed  # noqa: E402
import _suite  # noqa: E402
from _cli import blas_limits  # noqa: E402
from _common import (  # noqa: E402
    OFFICE_CALTECH_PREPROCESSING,
    OFFICE_CALTECH_TASKS,
    fmt,
    machine_info,
    markdown_table,
    package_versions,
    parse_choice,
    quiet_tensorflow,
)
from _speed import warning_lines  # noqa: E402

# Quiet TensorFlow (pulled in by ADAPT, and by POT under SKADA) before anything imports it.
quiet_tensorflow()

import numpy as np  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from tlearn import stack_domains  # noqa: E402
from tlearn.baselines import SourceOnly  # noqa: E402
from tlearn.feature import CORAL, TCA, SubspaceAlignment  # noqa: E402

BENCHMARK = "feature_office_caltech"
# The order of the tables of the JDA, SA and CORAL papers.
TASKS = OFFICE_CALTECH_TASKS
QUICK_TASKS = ("A->D", "D->W", "W->C")
DOMAINS_LETTERS = ("C", "A", "W", "D")

# 1-NN on the preprocessed features, whole source -> whole target: the published
# baseline (NN column of the JDA paper; also listed in shared/data/README.md).
PUBLISHED_1NN_BASELINE = dict(
    zip(TASKS, (23.70, 25.76, 25.48, 26.00, 29.83, 25.48, 19.86, 22.96, 59.24, 26.27, 28.50, 63.39))
)
# Published 12-task means: (method, classifier) -> (mean, source).
PUBLISHED_MEANS = {
    ("source-only", "1-NN"): (31.37, "NN baseline, Long et al. ICCV 2013 (JDA)"),
    ("TCA linear", "1-NN"): (43.6, "TCA + 1-NN, Long et al. ICCV 2013 (JDA)"),
    ("TCA rbf", "1-NN"): (
        43.6,
        "the same published TCA figure (our linear-kernel row reproduces it)",
    ),
    ("SA", "1-NN"): (44.7, "SA + 1-NN, cited with Long et al. ICCV 2013"),
    ("CORAL", "LR"): (
        48.8,
        "Sun et al. AAAI 2016, whose classifier is the SVM on the kernel Xs A Xs' "
        "(the SVM-K row of --svm), not LR",
    ),
}

# Published 12-task means of the CORAL paper's SVM rows (Sun et al. AAAI 2016, Table 1,
# Office-Caltech10 SURF), by protocol; shown with --svm only.
PUBLISHED_MEANS_SVM = {
    "whole-domain": {
        ("CORAL", "SVM-K"): (
            48.8,
            "CORAL + SVM on the kernel Xs A Xs', Sun et al. AAAI 2016 (its per-task values "
            "are those of one whole-domain run)",
        ),
    },
    "gong-splits": {
        ("source-only", "SVM-rbf"): (
            37.8,
            "NA, Sun et al. AAAI 2016 (20 draws of 20 source rows per class, libsvm's "
            "default rbf SVM)",
        ),
    },
}

METHODS = ("source-only", "TCA linear", "TCA rbf", "SA", "CORAL")
CLASSIFIERS = ("1-NN", "LR")
SVM_CLASSIFIERS = ("SVM", "SVM-rbf", "SVM-K")
PROTOCOLS = ("whole-domain", "gong-splits")
# C grids of Ex_CORAL.m: SVM_Accuracy (CORAL) and trainSVM_Model (no adaptation).
SVM_C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
SVM_RBF_C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
LIBRARIES = ("tlearn", "skada", "adapt")
PEER_LIBRARIES = LIBRARIES[1:]
#: The module each peer's methods come from (also the order of "Not run").
PEER_MODULES = {"skada": "skada", "adapt": "adapt.feature_based"}
#: The record fields that are numbers (NaN in a run, null in its JSON).
NUMERIC = {"accuracy", "fit_seconds"}
#: The CSV's columns (those of the script before the shared runner).
CSV_FIELDS = ("method", "classifier", "library", "task", "accuracy", "fit_seconds")


# ----------------------------------------------------------------------------- methods


class StackedRunner:
    """A tlearn or SKADA estimator: ``fit(X, y, sample_domain=...)`` on stacked rows."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, Xs, ys, Xt):
        X, y, sample_domain = stack_domains(Xs, ys, Xt)
        self.estimator.fit(X, y, sample_domain=sample_domain)
        return self

    def predict(self, Xt):
        return self.estimator.predict(Xt)  # sample_domain=None: target rows


class AdaptRunner:
    """An ADAPT estimator: ``cls(estimator, Xt=Xt, ...).fit(Xs, ys)``, predicts target rows."""

    def __init__(self, cls, classifier, **params):
        self.cls, self.classifier, self.params = cls, classifier, params

    def fit(self, Xs, ys, Xt):
        self.model = self.cls(
            self.classifier, Xt=Xt, verbose=0, random_state=0, copy=True, **self.params
        )
        self.model.fit(Xs, ys)
        return self

    def predict(self, Xt):
        return self.model.predict(Xt, domain="tgt")


def classifier(name, lr_C, seed=0, repeats=1):
    if name == "1-NN":
        return KNeighborsClassifier(n_neighbors=1)
    if name in ("SVM", "SVM-K"):  # SVM-K: C is picked inside PaperKernelSVMRunner
        return SourceCVSVC(kernel="linear", seed=seed, repeats=repeats)
    if name == "SVM-rbf":
        return SourceCVSVC(kernel="rbf", seed=seed, repeats=repeats)
    return LogisticRegression(C=lr_C, max_iter=1000)


def first_best_C(make, X, y, grid, seed, repeats=1):
    """The first ``C`` of ``grid`` with the best stratified 2-fold CV accuracy.

    One random 2-fold split (the script's libsvm ``-v 2``), or the mean over ``repeats``
    independent 2-fold splits (less split-to-split noise in the scores).
    """
    if repeats == 1:
        cv = StratifiedKFold(2, shuffle=True, random_state=seed)
    else:
        cv = RepeatedStratifiedKFold(n_splits=2, n_repeats=repeats, random_state=seed)
    scores = [cross_val_score(make(C), X, y, cv=cv).mean() for C in grid]
    return grid[int(np.argmax(scores))]


class SourceCVSVC(ClassifierMixin, BaseEstimator):
    """libsvm SVC whose ``C`` is picked by 2-fold CV on the rows it is fitted on.

    ``kernel="linear"``: the C grid of Ex_CORAL.m's SVM_Accuracy; ``"rbf"``: gamma =
    1/n_features and the grid of its trainSVM_Model. A plain estimator (not
    ``GridSearchCV``) so that SKADA's metadata routing accepts it.
    """

    def __init__(self, kernel="linear", seed=0, repeats=1):
        self.kernel = kernel
        self.seed = seed
        self.repeats = repeats

    def _svc(self, C, n_features):
        if self.kernel == "rbf":
            return SVC(kernel="rbf", gamma=1.0 / n_features, C=C)
        return SVC(kernel="linear", C=C)

    def fit(self, X, y):
        grid = SVM_RBF_C_GRID if self.kernel == "rbf" else SVM_C_GRID
        d = X.shape[1]
        self.C_ = first_best_C(lambda C: self._svc(C, d), X, y, grid, self.seed, self.repeats)
        self.svc_ = self._svc(self.C_, d).fit(X, y)
        self.classes_ = self.svc_.classes_
        return self

    def predict(self, X):
        return self.svc_.predict(X)


class PaperKernelSVMRunner:
    """CORAL with the SVM of the CORAL paper's script (Ex_CORAL.m, ``SVM_Accuracy``).

    ``coral_map(Xs, ys, Xt)`` returns ``(Zs, Xs_kernel, Xt_kernel)``: the mapped source
    rows, the source rows as the kernel pairs them with ``Zs`` (``Xs``, or ``Xs``
    centred for SKADA) and the target rows as the classifier sees them. libsvm is
    trained on the asymmetric kernel ``Zs Xs_kernel'`` and predicts with
    ``Xt_kernel Zs'``; ``C`` by 2-fold CV on that kernel.
    """

    def __init__(self, coral_map, seed=0, repeats=1):
        self.coral_map, self.seed, self.repeats = coral_map, seed, repeats

    def fit(self, Xs, ys, Xt):
        self.Zs_, Xs_kernel, self.Xt_kernel_ = self.coral_map(Xs, ys, Xt)
        K = self.Zs_ @ Xs_kernel.T
        self.C_ = first_best_C(
            lambda C: SVC(kernel="precomputed", C=C), K, ys, SVM_C_GRID, self.seed, self.repeats
        )
        self.svc_ = SVC(kernel="precomputed", C=self.C_).fit(K, ys)
        return self

    def predict(self, Xt):  # Xt is the target domain seen in fit
        return self.svc_.predict(self.Xt_kernel_ @ self.Zs_.T)


def coral_map(library, s, peers):
    """``(Xs, ys, Xt) -> (Zs, Xs_kernel, Xt_kernel)``: ``library``'s CORAL, for the SVM-K runner."""
    lam = s["coral_reg"]

    def tlearn_map(Xs, ys, Xt):
        X, y, sd = stack_domains(Xs, ys, Xt)
        A = CORAL(reg=lam).fit(X, y, sample_domain=sd).coral_transform_[0]
        return Xs @ A, Xs, Xt

    def adapt_map(Xs, ys, Xt):
        return peers["adapt"].CORAL(lambda_=lam, verbose=0).fit_transform(Xs, Xt), Xs, Xt

    def skada_map(Xs, ys, Xt):
        X, y, sd = stack_domains(Xs, ys, Xt)
        adapter = peers["skada"].CORALAdapter(reg=lam / (1 + lam))
        Zs = adapter.fit_transform(X, sample_domain=sd)[sd > 0]
        Zt = adapter.transform(Xt, sample_domain=np.full(len(Xt), sd.min()))
        return Zs, Xs - adapter.mean_source_, Zt

    return {"tlearn": tlearn_map, "adapt": adapt_map, "skada": skada_map}[library]


def gong_source_rows(y, rows_per_class, seed):
    """Ex_CORAL.m's ``split``: per class, ``min(rows_per_class, class size)`` random rows.

    Drawn class by class (sorted labels) by ``np.random.RandomState(seed)`` and
    returned grouped by class, as the script orders them.
    """
    y = np.asarray(y)
    rng = np.random.RandomState(seed)
    rows = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        rows.append(members[rng.permutation(members.size)[: min(rows_per_class, members.size)]])
    return np.concatenate(rows)


def settings_from(args):
    """The fixed hyper-parameters, their sources, and how each library receives them."""
    gamma = args.tca_gamma if args.tca_gamma is not None else 1.0 / 800
    return {
        "preprocessing": OFFICE_CALTECH_PREPROCESSING,
        "classifiers": {
            "1-NN": "KNeighborsClassifier(n_neighbors=1)",
            "LR": f"LogisticRegression(C={args.lr_C}, max_iter=1000)",
        },
        "lr_C": args.lr_C,
        "tca_n_components": args.tca_components,
        "tca_mu": args.tca_mu,
        "tca_gamma": gamma,
        "sa_n_components": args.sa_components,
        "coral_reg": args.coral_reg,
        "sources": {
            "lr_C": "fixed in advance for every method and task (the value at which CORAL "
            "was first measured here, ~47.0); not tuned on target labels",
            "tca": "k = 100 subspace bases as in the JDA paper's Office+Caltech experiments "
            "(Long et al. ICCV 2013; its code sets options.k = 100, lambda = 1); mu = 1 on "
            "this scale, also the one value that SKADA's and ADAPT's inverted mu maps to "
            "itself; rbf gamma = 1/n_features = 1/800, scikit-learn's default and the only "
            "value SKADA's TCA can use (it passes no kernel parameter to its kernel)",
            "sa": "n_components = 30 (fixed; the SA paper picks d with its stability bound "
            "instead)",
            "coral": "lambda = 1, the CORAL paper's (Sun et al. AAAI 2016) ridge",
        },
        "translation": {
            "skada": {
                "TCA": f"TransferComponentAnalysis(kernel=..., n_components="
                f"{args.tca_components}, mu={1 / args.tca_mu:g}): SKADA solves "
                "(I + mu KLK)^-1 KHK, so its mu is 1/mu of the paper's (KLK + mu I); "
                "its rbf gamma is always 1/n_features",
                "SA": f"SubspaceAlignment(n_components={args.sa_components}, random_state=0) "
                "(scikit-learn PCA, svd_solver='auto')",
                "CORAL": f"CORAL(reg={args.coral_reg / (1 + args.coral_reg):g}): SKADA's reg "
                "is a shrinkage s, (1-s) C + s tr(C)/d I; with features of unit variance "
                "tr(C)/d = 1 and s = lambda / (1 + lambda) gives C + lambda I up to a scale "
                "factor, which leaves the CORAL map unchanged; SKADA also centres each domain "
                "(a no-op after the per-domain z-score)",
            },
            "adapt": {
                "TCA": f"TCA(n_components={args.tca_components}, mu={1 / args.tca_mu:g}, "
                f"kernel=..., gamma={gamma:g}): same (I + mu KLK)^-1 KHK convention as SKADA",
                "SA": f"SA(n_components={args.sa_components}, random_state=0) "
                "(scikit-learn PCA, svd_solver='auto')",
                "CORAL": f"CORAL(lambda_={args.coral_reg:g})",
            },
        },
    }


def skip_reason(method, library, s, n_features):
    """Why this (method, library) pair is not run, or None."""
    if library == "tlearn":
        return None
    if method == "source-only":
        return "same as tlearn (a plain scikit-learn classifier on the source rows)"
    if (
        library == "skada"
        and method == "TCA rbf"
        and not np.isclose(s["tca_gamma"], 1 / n_features)
    ):
        return "SKADA's TCA cannot take gamma (its rbf kernel always uses 1/n_features)"
    return None


def make_runner(method, library, clf, s, peers):
    """A fresh runner of ``method`` from ``library`` with final classifier ``clf``."""
    k, mu, gamma = s["tca_n_components"], s["tca_mu"], s["tca_gamma"]
    if library == "tlearn":
        est = {
            "source-only": lambda: SourceOnly(clf),
            "TCA linear": lambda: TCA(clf, n_components=k, mu=mu, kernel="linear"),
            "TCA rbf": lambda: TCA(
                clf, n_components=k, mu=mu, kernel="rbf", gamma=gamma, random_state=0
            ),
            "SA": lambda: SubspaceAlignment(clf, n_components=s["sa_n_components"]),
            "CORAL": lambda: CORAL(clf, reg=s["coral_reg"]),
        }[method]()
        return StackedRunner(est)
    if library == "skada":
        skada = peers["skada"]
        if method.startswith("TCA"):
            kernel = method.split()[1]
            est = skada.TransferComponentAnalysis(clf, kernel=kernel, n_components=k, mu=1 / mu)
        elif method == "SA":
            est = skada.SubspaceAlignment(clf, n_components=s["sa_n_components"], random_state=0)
        else:
            lam = s["coral_reg"]
            est = skada.CORAL(clf, reg=lam / (1 + lam))
        return StackedRunner(est)
    adapt = peers["adapt"]
    if method.startswith("TCA"):
        kernel = method.split()[1]
        extra = {"gamma": gamma} if kernel == "rbf" else {}
        return AdaptRunner(adapt.TCA, clf, n_components=k, mu=1 / mu, kernel=kernel, **extra)
    if method == "SA":
        return AdaptRunner(adapt.SA, clf, n_components=s["sa_n_components"])
    return AdaptRunner(adapt.CORAL, clf, lambda_=s["coral_reg"])


# ============================================================================ arguments


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick=f"smoke run: only {', '.join(QUICK_TASKS)}",
        peers="also run SKADA's and ADAPT's TCA, SA and CORAL where they are installed,\n"
        "with the same data, settings and final classifiers\n"
        "(a peer that does not import is named and skipped)",
        n_jobs_note="fit times are measured inside each cell: with N jobs on N busy cores\n"
        "they include the contention",
        epilog="optional packages: without matplotlib the CSV and JSON are written and one "
        "line says why\nthere is no PNG; without tqdm there is no progress bar.",
    )
    parser.add_argument(
        "--tasks",
        help="comma-separated tasks, e.g. C->A,D->W\n(default: all 12; overrides --quick)",
    )
    parser.add_argument(
        "--methods",
        help=f"comma-separated subset of: {', '.join(METHODS)}\n(default: all of them)",
    )
    parser.add_argument(
        "--classifiers",
        help="comma-separated subset of: "
        + ", ".join((*CLASSIFIERS, *SVM_CLASSIFIERS))
        + "\n(default: 1-NN, LR, and the SVMs with --svm)",
    )
    parser.add_argument("--lr-C", type=float, default=0.01, help="C of the logistic regression")
    parser.add_argument(
        "--tca-components", type=int, default=100, help="n_components of TCA (both kernels)"
    )
    parser.add_argument("--tca-mu", type=float, default=1.0, help="mu of TCA (the paper's)")
    parser.add_argument(
        "--tca-gamma", type=float, default=None, help="gamma of TCA's rbf kernel (default: 1/800)"
    )
    parser.add_argument("--sa-components", type=int, default=30, help="n_components of SA")
    parser.add_argument("--coral-reg", type=float, default=1.0, help="CORAL's lambda")
    parser.add_argument(
        "--svm",
        action="store_true",
        help="add the CORAL paper's classifiers SVM, SVM-rbf and SVM-K (CORAL only)",
    )
    parser.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        default="whole-domain",
        help="whole-domain: fit on the whole labelled source; gong-splits:\n"
        "--splits random draws of --source-per-class source rows per class",
    )
    parser.add_argument(
        "--splits", type=int, default=20, help="source draws under gong-splits (seeds 0..N-1)"
    )
    parser.add_argument(
        "--cv-seeds",
        type=int,
        default=1,
        help="whole-domain protocol: fit each SVM once per CV fold seed 0..N-1 and\n"
        "average (the picked C depends on the random 2-fold split)",
    )
    parser.add_argument(
        "--cv-repeats",
        type=int,
        default=1,
        help="the SVMs pick C by the mean of this many random 2-fold splits\n"
        "(1: one split, as Ex_CORAL.m)",
    )
    parser.add_argument(
        "--source-per-class",
        default="C=20,A=20,W=20,D=20",
        help="labelled source rows per class under gong-splits, by source domain\n"
        "(Ex_CORAL.m: 20 everywhere; GFK: D=8)",
    )
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    gong = args.protocol == "gong-splits"
    if args.cv_seeds < 1 or args.cv_repeats < 1:
        parser.error("--cv-seeds and --cv-repeats must be at least 1")
    if gong and args.cv_seeds > 1:
        parser.error("--cv-seeds is for the whole-domain protocol (gong-splits seeds its draws)")
    if args.splits < 1:
        parser.error("--splits must be at least 1")
    for name in ("lr_C", "tca_mu", "coral_reg"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.tca_gamma is not None and args.tca_gamma <= 0:
        parser.error("--tca-gamma must be positive")
    if args.tca_components < 1 or args.sa_components < 1:
        parser.error("--tca-components and --sa-components must be at least 1")
    per_class = {}
    for item in args.source_per_class.split(","):
        letter, _, count = item.partition("=")
        if letter.strip() not in DOMAINS_LETTERS or not count.strip().isdigit():
            parser.error(f"--source-per-class: bad item {item!r}; e.g. C=20,A=20,W=20,D=8")
        per_class[letter.strip()] = int(count)
    args.per_class = per_class
    if args.tasks:
        args.tasks = list(parse_choice(args.tasks, TASKS, parser, "tasks"))
    else:
        args.tasks = list(QUICK_TASKS if args.quick else TASKS)
    if args.methods:
        args.methods = list(parse_choice(args.methods, METHODS, parser, "methods"))
    else:
        args.methods = list(METHODS)
    valid = (*CLASSIFIERS, *SVM_CLASSIFIERS) if args.svm else CLASSIFIERS
    if args.classifiers:
        chosen = tuple(c.strip() for c in args.classifiers.split(","))
        unknown = [c for c in chosen if c not in valid]
        if unknown:
            parser.error(
                f"unknown classifiers {unknown}; choose among {', '.join(valid)}"
                + ("" if args.svm else " (the SVMs need --svm)")
            )
        args.classifiers = list(chosen)
    else:
        args.classifiers = list(valid)
    return _cli.finish(parser, args)


# ============================================================================ plan and run


def base_settings(args):
    """The settings of a run: the fixed hyper-parameters and their sources
    (:func:`settings_from`), the protocol, the SVMs' CV and the BLAS threads."""
    settings = settings_from(args)
    gong = args.protocol == "gong-splits"
    if args.svm:  # the SVMs' descriptions (the script before the runner lost them without
        # --classifiers, by an indentation slip; they belong to --svm)
        settings["classifiers"].update(
            {
                "SVM": f"SVC(kernel='linear'), C in {list(SVM_C_GRID)} by stratified 2-fold "
                "CV on the source rows (first best)",
                "SVM-rbf": f"SVC(kernel='rbf', gamma=1/n_features), C in {list(SVM_RBF_C_GRID)} "
                "by stratified 2-fold CV on the source rows (first best)",
                "SVM-K": "CORAL only: SVC(kernel='precomputed') on K = (Xs A) Xs', tested with "
                "Xt (Xs A)' (Ex_CORAL.m's SVM_Accuracy), C as for SVM",
            }
        )
        settings["svm_cv"] = {
            "folds": 2,
            "repeats": args.cv_repeats,
            "fold_seeds": args.cv_seeds if not gong else "the draw's seed",
        }
    if gong:
        settings["protocol"] = {
            "name": "gong-splits",
            "splits": args.splits,
            "source_rows_per_class": args.per_class,
            "source": "Gong et al. CVPR 2012 (GFK code) and Sun et al. AAAI 2016 (Ex_CORAL.m): "
            "random labelled source rows per class (at most the class size), the whole target "
            "domain adapted to and scored, accuracy averaged over the draws",
        }
    settings["grid"] = {
        "protocol": args.protocol,
        "splits": args.splits,
        "source_rows_per_class": args.per_class,
        "cv_seeds": args.cv_seeds,
        "cv_repeats": args.cv_repeats,
    }
    settings["blas_threads"] = args.blas_threads
    return settings


def published_means_of(args):
    """``{(method, classifier): (mean, source)}`` that this run's options compare to."""
    gong = args.protocol == "gong-splits"
    published = {} if gong else dict(PUBLISHED_MEANS)  # those are whole-domain figures
    if args.svm:
        published.update(PUBLISHED_MEANS_SVM[args.protocol])
    return published


def make_plan_rows(methods, classifiers, libraries, settings, n_features):
    """``(keys, skipped)``: the (method, classifier, library) rows in table order, and
    ``{key: why it is not run}`` of those that are not (a peer's source-only is no row)."""
    keys, skipped = [], {}
    for method in methods:
        for clf_name in classifiers:
            if clf_name == "SVM-K" and method != "CORAL":
                continue  # the asymmetric-kernel SVM needs the CORAL map
            for library in libraries:
                why = skip_reason(method, library, settings, n_features)
                if why and method == "source-only":
                    continue  # a peer's source-only is the tlearn row
                keys.append((method, clf_name, library))
                if why:
                    skipped[(method, clf_name, library)] = why
    return keys, skipped


def make_cells(keys, skipped, tasks):
    """The grid: one dict per (method, classifier, library, task) that runs, in table order."""
    return [
        {"method": m, "classifier": c, "library": lib, "task": t}
        for m, c, lib in keys
        if (m, c, lib) not in skipped
        for t in tasks
    ]


def prepare(argv=None):
    """Parse the arguments, load the data, import the peers: the plan of a run."""
    args = parse_args(argv)
    try:
        payloads, data_info = _suite.load_tasks("office-caltech10", args.tasks)
    except _suite.NoData as exc:  # only when the shipped copy is damaged
        sys.exit(f"error: Office-Caltech-10 could not be read: {exc}")
    peers, missing = _common.peers_that_import(PEER_MODULES) if args.peers else ([], {})
    libraries = ["tlearn", *[lib for lib in PEER_LIBRARIES if lib in peers]]
    settings = base_settings(args)
    n_features = next(iter(payloads.values()))["Xs"].shape[1]
    keys, skipped = make_plan_rows(args.methods, args.classifiers, libraries, settings, n_features)
    return {
        "args": args,
        "payloads": payloads,
        "data_info": data_info,
        "settings": settings,
        "libraries": libraries,
        "peers_missing": missing,
        "published_means": published_means_of(args),
        "keys": keys,
        "skipped": skipped,
        "cells": make_cells(keys, skipped, args.tasks),
        "load_before": list(os.getloadavg()),
    }


def run_grid(plan, runner):
    """Every cell of the plan on the runner; ``(records in cell order, seconds)``."""
    return _grid.timed_map(
        runner,
        run_cell,
        plan["cells"],
        plan["payloads"],
        lambda c: c["task"],
        plan["settings"],
        desc="grid",
    )


# ============================================================================ one cell


def fit_score(runner, Xs, ys, Xt, yt):
    """Fit, predict, score one draw: ``(accuracy %, fit seconds)``."""
    start = time.perf_counter()
    runner.fit(Xs, ys, Xt)
    fit_seconds = time.perf_counter() - start
    return 100.0 * float(np.mean(runner.predict(Xt) == yt)), fit_seconds


def run_cell(cell, payload, settings):
    """Fit and score one (method, classifier, library, task) cell; its record.

    One fit on the whole source domain, or one per CV fold seed (the SVMs, with
    ``--cv-seeds``), or one per source draw (gong-splits); the BLAS/OpenMP pools are
    pinned to ``settings["blas_threads"]``. A failure (e.g. of a peer) is a result:
    ``error`` holds the first one, and the cell's accuracy is NaN.
    """
    Xs, ys, Xt, yt = (payload[k] for k in ("Xs", "ys", "Xt", "yt"))
    method, clf_name, library, task = (cell[k] for k in ("method", "classifier", "library", "task"))
    grid = settings["grid"]
    gong = grid["protocol"] == "gong-splits"
    draws = [None]  # whole-domain: one fit on every source row
    if clf_name in SVM_CLASSIFIERS:
        draws = [None] * grid["cv_seeds"]  # one fit per CV fold seed
    if gong:
        n_rows = grid["source_rows_per_class"][task[0]]
        draws = [gong_source_rows(ys, n_rows, seed) for seed in range(grid["splits"])]
    accs, secs, messages, error = [], [], [], None
    with blas_limits(settings["blas_threads"]):
        for seed, rows in enumerate(draws):
            Xr, yr = (Xs, ys) if rows is None else (Xs[rows], ys[rows])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    peers = {}
                    if library != "tlearn":
                        peers[library] = importlib.import_module(PEER_MODULES[library])
                    clf = classifier(clf_name, settings["lr_C"], seed, grid["cv_repeats"])
                    if clf_name == "SVM-K":
                        runner = PaperKernelSVMRunner(
                            coral_map(library, settings, peers), seed, grid["cv_repeats"]
                        )
                    else:
                        runner = make_runner(method, library, clf, settings, peers)
                    acc, sec = fit_score(runner, Xr, yr, Xt, yt)
                except Exception as exc:  # a peer failing on a task is a result, not a crash
                    acc, sec = float("nan"), float("nan")
                    error = error or f"{type(exc).__name__}: {exc}"
            accs.append(acc)
            secs.append(sec)
            messages += [m for m in warning_lines(caught) if m not in messages]
    record = {
        "method": method,
        "classifier": clf_name,
        "library": library,
        "task": task,
        "accuracy": accs[0],
        "fit_seconds": secs[0],
    }
    if len(draws) > 1:
        record["accuracy"], record["fit_seconds"] = float(np.mean(accs)), float(np.sum(secs))
        record["accuracy_per_split" if gong else "accuracy_per_cv_seed"] = accs
    record["error"] = error
    record["warnings"] = messages
    return record


# ============================================================================ the report


def describe(plan):
    """What the JSON report says of a run before the grid: data, settings, peers, rows."""
    args = plan["args"]
    return {
        "benchmark": BENCHMARK,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _cli.command_as_typed(),
        "tasks": list(args.tasks),
        "methods": list(args.methods),
        "classifiers": list(args.classifiers),
        "libraries": plan["libraries"],
        "quick": args.quick,
        "svm": args.svm,
        "data": plan["data_info"],
        "settings": plan["settings"],
        "peers_not_run": plan["peers_missing"],
        "published_means": [
            {"method": m, "classifier": c, "value": v, "source": s}
            for (m, c), (v, s) in plan["published_means"].items()
        ],
        "published_1nn_baseline": PUBLISHED_1NN_BASELINE,
        "skipped": [
            {"method": m, "classifier": c, "library": lib, "reason": why}
            for (m, c, lib), why in plan["skipped"].items()
        ],
        "load_before": plan["load_before"],
    }


def _published(report):
    return {
        (p["method"], p["classifier"]): (p["value"], p["source"]) for p in report["published_means"]
    }


def table_rows(report):
    """One dict per (method, classifier, library) row, in table order: its accuracy and fit
    seconds per task, mean, total fit seconds, published mean, and why it was not run."""
    tasks, published = report["tasks"], _published(report)
    skipped = {(s["method"], s["classifier"], s["library"]): s["reason"] for s in report["skipped"]}
    records = _common.nan_for_none(report["records"], NUMERIC)
    by_key = {}
    for r in records:
        by_key.setdefault((r["method"], r["classifier"], r["library"]), []).append(r)
    rows = []
    for method in report["methods"]:
        for clf_name in report["classifiers"]:
            for library in report["libraries"]:
                key = (method, clf_name, library)
                if key not in by_key and key not in skipped:
                    continue
                value, source = published.get((method, clf_name), (None, None))
                row = {
                    "method": method,
                    "classifier": clf_name,
                    "library": library,
                    "published": value,
                    "published_source": source,
                    "skipped": skipped.get(key),
                    "records": {r["task"]: r for r in by_key.get(key, [])},
                }
                if not row["skipped"]:
                    row["accuracy"] = {t: row["records"][t]["accuracy"] for t in tasks}
                    row["mean"] = float(np.mean([row["accuracy"][t] for t in tasks]))
                    row["fit_seconds"] = float(
                        np.sum([row["records"][t]["fit_seconds"] for t in tasks])
                    )
                rows.append(row)
    return rows


def finish_report(report, records, info):
    """``report`` (from :func:`describe`) with the results of the run added."""
    report["records"] = records
    summary = [
        {k: row[k] for k in ("method", "classifier", "library", "mean", "fit_seconds")}
        for row in table_rows(report)
        if not row["skipped"]
    ]
    report.update(
        run=info,
        versions=package_versions(
            (*_common.DEFAULT_PACKAGES, "joblib", "dask", "distributed", "tqdm", "matplotlib")
        ),
        machine=machine_info(),
        summary=summary,
        records=records,
    )
    return report


def header_text(report):
    """The header of the output: tasks, libraries, data, classifiers, hyper-parameters."""
    s, tasks, libraries = report["settings"], report["tasks"], report["libraries"]
    out, emit = _common.text_lines()
    emit("# tlearn feature-based methods on Office-Caltech-10 (SURF-800)\n")
    emit(f"Tasks: {', '.join(tasks)} ({len(tasks)} of 12). Libraries: {', '.join(libraries)}.")
    for name, why in report.get("peers_not_run", {}).items():
        emit(f"Not run: {name} ({why}).")
    if report.get("data", {}).get("files"):
        emit(f"Files: {report['data']['files']}.")
    emit(f"\nPreprocessing: {s['preprocessing']}.")
    emit("Final classifiers: " + "; ".join(f"{k} = {v}" for k, v in s["classifiers"].items()))
    emit("\nHyper-parameters (fixed, never tuned on target labels):\n")
    emit(
        f"- TCA: n_components = {s['tca_n_components']}, mu = {s['tca_mu']:g}, "
        f"rbf gamma = {s['tca_gamma']:g}. Source: {s['sources']['tca']}."
    )
    emit(f"- SA: n_components = {s['sa_n_components']}. Source: {s['sources']['sa']}.")
    emit(f"- CORAL: reg (lambda) = {s['coral_reg']:g}. Source: {s['sources']['coral']}.")
    emit(f"- LR: C = {s['lr_C']:g}. Source: {s['sources']['lr_C']}.")
    if "svm_cv" in s:
        cv = s["svm_cv"]
        seeds = cv["fold_seeds"]
        if isinstance(seeds, int):
            seeds = f"0..{seeds - 1}" if seeds > 1 else "0"
        emit(
            f"- SVMs: C by stratified {cv['folds']}-fold CV on the source rows, "
            f"{cv['repeats']} random split(s) per choice; fold seed(s): {seeds}."
        )
    if any(lib != "tlearn" for lib in libraries):
        emit("\nThe same settings in the peers' conventions:\n")
        for lib in libraries:
            for method, text in s["translation"].get(lib, {}).items():
                emit(f"- {lib} {method}: {text}.")
    emit()
    p = s.get("protocol")
    if p:
        emit(
            f"Protocol: gong-splits, {p['splits']} source draws (seeds 0..{p['splits'] - 1}); "
            "labelled source rows per class: "
            + ", ".join(f"{k} {v}" for k, v in p["source_rows_per_class"].items())
            + "; the whole target domain is adapted to and scored; cells are means over "
            "the draws.\n"
        )
    if report.get("load_before"):
        load = ", ".join(f"{x:.2f}" for x in report["load_before"])
        emit(f"Machine load before the runs: load average: {load}.\n")
    return "".join(out)


def accuracy_table(rows, tasks):
    """Rows = (method, classifier, library), columns = tasks, mean, published, fit s."""
    head = ["method", "classifier", "library", *tasks, "mean", "published", "fit s"]
    body = []
    for row in rows:
        if row["skipped"]:
            cells = ["n/a"] * len(tasks) + ["n/a", fmt(row["published"], 1), "—"]
        else:
            cells = [fmt(row["accuracy"][t]) for t in tasks]
            cells += [fmt(row["mean"]), fmt(row["published"], 1), fmt(row["fit_seconds"], 1)]
        body.append([row["method"], row["classifier"], row["library"], *cells])
    return markdown_table(head, body)


def _per_draw(row, tasks, key):
    """The task mean of each draw (source draw or CV fold seed) of a row."""
    values = [[np.nan if v is None else v for v in row["records"][t][key]] for t in tasks]
    return np.mean(values, axis=0)


def results_text(report):
    """Everything the run prints after the grid: the accuracy table, the published means,
    the spreads over draws and fold seeds, the published baseline check, notes, the run;
    from the report alone (a live one or its JSON)."""
    s, tasks = report["settings"], report["tasks"]
    gong = s["grid"]["protocol"] == "gong-splits"
    rows = table_rows(report)
    out, emit = _common.text_lines()
    emit(f"## Target accuracy (%), mean over the {len(tasks)} task(s) run\n")
    emit(accuracy_table(rows, tasks))
    emit(
        "\n`published`: the published 12-task mean of the method (sources below); "
        "`fit s`: total fit time over the tasks (adaptation + final classifier), "
        "measured inside each cell, wall clock.\n"
    )
    for (method, clf_name), (value, source) in _published(report).items():
        if method in report["methods"]:
            emit(f"- {method} / {clf_name}: {value} ({source})")
    ran = [r for r in rows if not r["skipped"]]
    if gong and s["grid"]["splits"] > 1:
        emit("- Spread over the source draws (sd of the task mean across draws):")
        for r in ran:
            per_draw = _per_draw(r, tasks, "accuracy_per_split")
            label = f"{r['method']} / {r['classifier']} / {r['library']}"
            emit(f"  {label}: {fmt(float(np.std(per_draw, ddof=1)))}")
    seeded = [r for r in ran if "accuracy_per_cv_seed" in r["records"][tasks[0]]]
    if seeded:
        emit(f"- Over the {s['grid']['cv_seeds']} CV fold seeds (mean over the tasks, per seed):")
        for r in seeded:
            per_seed = _per_draw(r, tasks, "accuracy_per_cv_seed")
            emit(
                f"  {r['method']} / {r['classifier']} / {r['library']}: "
                f"{fmt(float(np.mean(per_seed)))} +- {fmt(float(np.std(per_seed, ddof=1)))} "
                f"(range {fmt(float(per_seed.min()))} to {fmt(float(per_seed.max()))})"
            )
    ours = [r for r in ran if (r["method"], r["classifier"]) == ("source-only", "1-NN")]
    if not gong and ours:
        baseline = report["published_1nn_baseline"]
        worst = max(abs(ours[0]["accuracy"][t] - baseline[t]) for t in tasks)
        emit(
            f"- Source-only 1-NN vs the published per-task baseline: largest difference "
            f"{worst:.2f} points ({'reproduced' if worst < 0.005 else 'NOT reproduced'})."
        )
    notes = []
    for r in rows:
        label = f"{r['method']} / {r['classifier']} / {r['library']}"
        if r["skipped"]:
            notes.append(f"- {label}: not run: {r['skipped']}.")
            continue
        for t in tasks:
            if r["records"][t]["error"]:
                notes.append(f"- {label}: {t} failed: {r['records'][t]['error']}")
        seen = []
        for t in tasks:
            seen += [m for m in r["records"][t]["warnings"] if m not in seen]
        notes += [f"- {label}: warning: {m}" for m in seen]
    if notes:
        emit("\nNotes:\n")
        for line in notes:
            emit(line)
    load = ", ".join(f"{x:.2f}" for x in report["machine"]["load_average"])
    emit(f"\nMachine load after the runs: load average: {load}.")
    if report.get("run"):
        emit(_common.run_line(report, len(report["records"]), "setup"))
    return "".join(out)


def render(report):
    """The whole output of a run, from its report (``--render``)."""
    return header_text(report) + results_text(report)


# ============================================================================ files


def csv_rows(report):
    """The CSV of the script before the shared runner: one line per row and task (4
    decimals), then the row's mean and total fit seconds (task ``mean``)."""

    def num(x):
        return f"{x:.4f}" if x is not None and np.isfinite(x) else ""

    out = []
    for row in table_rows(report):
        if row["skipped"]:
            continue
        label = {k: row[k] for k in ("method", "classifier", "library")}
        for t in report["tasks"]:
            r = row["records"][t]
            out.append({**label, "task": t, "accuracy": num(r["accuracy"]),
                        "fit_seconds": num(r["fit_seconds"])})  # fmt: skip
        out.append({**label, "task": "mean", "accuracy": num(row["mean"]),
                    "fit_seconds": num(row["fit_seconds"])})  # fmt: skip
    return out


def plot_report(report, path):
    """Accuracy per task (and the mean) of every (method, library), one panel per
    classifier, as a PNG."""
    plt = _common.pyplot()
    rows = [r for r in table_rows(report) if not r["skipped"]]
    classifiers = [c for c in report["classifiers"] if any(r["classifier"] == c for r in rows)]
    tasks = report["tasks"]
    columns = [*tasks, "mean"]
    fig, axes = plt.subplots(
        max(len(classifiers), 1),
        1,
        figsize=(max(8.0, 0.9 * len(columns) + 3), 3.6 * max(len(classifiers), 1)),
        layout="constrained",
        squeeze=False,
    )
    for ax, clf_name in zip(axes[:, 0], classifiers):
        series = [
            (
                r["method"] if r["library"] == "tlearn" else f"{r['method']} ({r['library']})",
                [*(r["accuracy"][t] for t in tasks), r["mean"]],
                None,
            )
            for r in rows
            if r["classifier"] == clf_name
        ]
        _common.errorbar_panel(ax, columns, series, "target accuracy (%)", f"classifier {clf_name}")
    fig.suptitle("Office-Caltech-10 SURF, whole source -> whole target")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def output_stem(args):
    """``--output``, else the script's name (``_quick`` unless 12 tasks), with ``_gong`` and
    ``_svm`` for those options, as before the shared runner."""
    if args.output:
        return args.output
    stem = BENCHMARK + ("_gong" if args.protocol == "gong-splits" else "")
    stem += "_svm" if args.svm else ""
    return stem if len(args.tasks) == len(TASKS) else f"{stem}_quick"


# ============================================================================ main


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.render:
        sys.stdout.write(render(_cli.load_report(args.render, BENCHMARK)))
        return
    start = time.perf_counter()
    plan = prepare(argv)
    report = describe(plan)
    setup_seconds = time.perf_counter() - start
    sys.stdout.write(header_text(report))
    sys.stdout.flush()
    with _cli.grid_runner(args, by_value=(_cli, _common, _speed, _grid)) as runner:
        records, grid_seconds = run_grid(plan, runner)
        info = {**runner.info, "settle_seconds": setup_seconds, "grid_seconds": grid_seconds}
    finish_report(report, records, info)
    sys.stdout.write(results_text(report))
    paths = _cli.write_outputs(
        report, output_stem(args), CSV_FIELDS, csv_rows(report), plot_report, f"{BENCHMARK}.py"
    )
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
