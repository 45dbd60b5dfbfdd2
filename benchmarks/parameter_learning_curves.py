"""Few-label learning curves of the shared-prior logistic regression (GitHub issue 5).

Data: the 12 Office-Caltech-10 SURF tasks and the 12 Amazon-reviews tasks
(400-d). Protocol: the whole source domain is labelled; in the target domain
``K`` rows per class are labelled (``--labels-per-class``, 1 3 5 10 by
default), drawn by seed (``--seeds``, 0..4); every other target row is a test
row, whose label is used for scoring only and never in a fit or in a choice of
hyper-parameter. The draw is ``_common.few_label_split`` (it depends only on
the target labels and the seed), except that a class keeps at least half of
its rows for testing: it gets ``min(K, n_c // 2)`` labelled rows. That rule
only bites on dslr as a target (its smallest classes have 8, 10 and 12 rows)
for ``K = 5`` (one class gets 4) and ``K = 10``; the CSV has the actual
number of labelled rows of every cell.

Preprocessing, fixed before any run:

- Office-Caltech-10: each row divided by its sum, then every feature z-scored
  within its own domain (``ddof=1``; the target statistics over all its rows),
  as the other Office-Caltech scripts and the papers do;
- Amazon reviews: every feature z-scored with the mean and std (``ddof=1``) of
  the pooled source and target rows of the task, as ``kmm_amazon.py`` does
  (the stored rows already sum to 1).

Methods, all logistic regressions:

- source-only: ``LogisticRegression(C=SOURCE_C)`` on the source rows, fitted
  once per task;
- target-only: ``LogisticRegression`` on the labelled target rows, ``C`` by
  cross-validation inside them (grid ``_common.C_GRID``, ties to the smaller C)
  when every class has at least 2 labels, else ``C = TARGET_ONLY_C_FIXED``;
- pooled: ``LogisticRegression(C=SOURCE_C)`` on the source rows and the labelled
  target rows;
- shared prior (``tlearn.parameter.SharedPriorLogisticRegression``): the prior
  is the source-only model (passed as a dict, so the folds of the
  cross-validation hold labelled target rows only), ``reg`` chosen in
  ``REG_GRID`` by cross-validation inside the labelled target rows. Three rows,
  which differ in the intercepts only: ``b free`` (``penalize_intercept=False``,
  tlearn's default: the intercepts of the classes with labels are not pulled
  towards the prior's), ``b pulled`` (``penalize_intercept=True``) and ``b by
  CV`` (the pair (penalize_intercept, reg) chosen by the same cross-validation
  over the 14 pairs). Why three: see ``SHARED_PRIOR_WHY``;
- ``--peers``: ADAPT's ``RegularTransferLC`` with the same source-only model as
  its source estimator and ``lambda_`` chosen on the same folds, from the same
  grid mapped as ``lambda_ = 2 sqrt(reg)`` (see ``ADAPT_MAPPING``); a peer that
  does not import is named ("Not run: ...") and the rest runs.

Cross-validation (shared prior, ADAPT, and target-only from K = 2 on): with one
label per class, leave-one-out (the held-out row's class is then missing from
the training fold; the prior keeps it); otherwise ``StratifiedKFold`` with
``min(5, smallest class count)`` folds, shuffled with the seed of the split.
The score is the accuracy over the held-out rows; a tie goes to the largest
``reg`` / ``lambda_`` (the model closest to the source model) and to the
smallest ``C``, i.e. always to the more regularised model. A caveat of
leave-one-out with one label per class: only the prior can predict the
held-out row's class (no training row has it), so every held-out row rewards
staying close to the prior and the choice leans to a large ``reg``.

Diagnostics, never used for a choice: the test accuracy of the shared prior at
every ``reg`` of the grid (``test_accuracy_by_reg`` in the JSON), to tell how
much the cross-validated choice loses against the best fixed ``reg`` in
hindsight.

The (data set, task, K, seed, method) grid runs on the shared runner
(``_grid.GridRunner``): ``--n-jobs N`` on N processes (joblib), ``--backend
dask`` on dask.distributed. The source-only model of every task (also the
prior and ADAPT's source estimator) is fitted once, on the same runner, before
the grid. Every cell depends only on its task, K, seed and method, and pins its
BLAS to ``--blas-threads`` (1) threads, so every backend gives the numbers of
the sequential run. The three shared-prior rows of a split are one cell (they
share their fits). Fit times are measured inside each cell (wall clock); with
N jobs on N busy cores they include the contention.

Usage::

    python benchmarks/parameter_learning_curves.py --peers   # 24 tasks x 4 K x 5 seeds
    python benchmarks/parameter_learning_curves.py --quick   # 2 tasks per data set, K 1 3, 2 seeds
    python benchmarks/parameter_learning_curves.py --render saved.json   # re-print a run

``--quick`` also turns the diagnostic off (``--diagnostic`` turns it on) and
uses every other value of the reg grid (0.01, 1, 100, 10000), to finish in about
a minute.

Data: ``tlearn.datasets.fetch_office_caltech10`` (when its files cannot be had,
the Office-Caltech-10 SURF copy shipped with tlearn, the same arrays; the header
says which) and ``tlearn.datasets.fetch_amazon_review`` (``TLEARN_DATA_HOME``,
``TLEARN_DATA_MIRROR``). Output: markdown tables on stdout, CSV, JSON (every
setting, package versions, every cell) and PNG (the learning curves) under
``benchmarks/results/``, a progress bar on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib
import io
import json
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
    AMAZON_TASKS,
    C_GRID,
    OFFICE_CALTECH_PREPROCESSING,
    OFFICE_CALTECH_TASKS,
    best_of,
    cv_folds,
    cv_scores,
    fmt,
    machine_info,
    markdown_table,
    package_versions,
    parse_choice,
    quiet_tensorflow,
    split_target,
)
from _speed import warning_lines  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from tlearn.parameter import SharedPriorLogisticRegression  # noqa: E402

BENCHMARK = "parameter_learning_curves"
DATASETS = {"office_caltech": OFFICE_CALTECH_TASKS, "amazon": AMAZON_TASKS}
DATASET_TITLES = {"office_caltech": "Office-Caltech-10 (SURF-800)", "amazon": "Amazon reviews"}
#: The names of the data sets in ``_suite.load_tasks``.
SUITE_NAMES = {"office_caltech": "office-caltech10", "amazon": "amazon-review"}
QUICK_TASKS = {"office_caltech": ("C->D", "D->W"), "amazon": ("B->D", "E->K")}
QUICK_SEEDS = (0, 1)
QUICK_K = (1, 3)
SEEDS = (0, 1, 2, 3, 4)
LABELS_PER_CLASS = (1, 3, 5, 10)

#: ``C`` of the source-only, pooled and prior logistic regressions.
SOURCE_C = 0.01
#: ``C`` of target-only when some class has a single label (no cross-validation possible).
TARGET_ONLY_C_FIXED = 1.0
#: ``reg`` grid of the shared prior.
REG_GRID = tuple(float(r) for r in np.logspace(-2, 4, 7))
#: ``--quick``'s grid: every other value (a smoke run, not the protocol).
QUICK_REG_GRID = REG_GRID[::2]


def adapt_lambda(reg):
    """ADAPT's ``lambda_`` for a shared-prior ``reg`` (see ``ADAPT_MAPPING``)."""
    return 2.0 * np.sqrt(reg)


ADAPT_MAPPING = (
    "RegularTransferLC turns the labels into +/-1 (one column per class, one column for two "
    "classes) and solves, per column, scipy's lsqr(A=[1, X_t], b=y, damp=lambda_, "
    "x0=[b_s, w_s]), i.e. min ||[1, X_t] beta - y||^2 + lambda_^2 ||beta - beta_s||^2 (lsqr's "
    "damping is squared and acts on beta - x0; the intercept is penalised too). The shared "
    "prior minimises sum_i logloss_i + reg/2 ||W - W0||^2. Matching the two Hessians at zero "
    "margin (the logistic loss has curvature 1/4 there, the squared loss 2): "
    "2 X'X + 2 lambda_^2 I is proportional to X'X/4 + reg I when lambda_^2 = 4 reg, so "
    "lambda_ = 2 sqrt(reg): the grid logspace(-2, 4, 7) of reg becomes lambda_ in "
    "0.2 .. 200 (lambda_^2 in 0.04 .. 40000), the same 7 points, the same folds and tie rule"
)

# The shared prior, three ways of treating the intercepts (see the module docstring).
SP_FREE = "shared prior, b free"
SP_PULLED = "shared prior, b pulled"
SP_CV = "shared prior, b by CV"
SHARED_PRIOR = (SP_FREE, SP_PULLED, SP_CV)
#: The cell that computes the three shared-prior rows (they share their fits).
SHARED_PRIOR_CELL = "shared prior"

SHARED_PRIOR_WHY = (
    "tlearn's default leaves the intercepts of the labelled classes free. With K labelled rows "
    "per class they are then fitted to those rows alone, unpenalised: with one label per class "
    "on a binary task the free intercept puts the decision threshold between the two labelled "
    "rows' scores, whatever reg is. A smoke run (2 tasks per data set, K = 1 and 3) put the "
    "default below source-only on Amazon even at reg = 1e4 (the test labels of those smoke "
    "runs showed it: a diagnosis, not a choice inside the protocol). Chelba and Acero's prior "
    "covers every parameter, and ADAPT's RegularTransferLC pulls its intercept too, so "
    "penalize_intercept=True is the other natural protocol; since on some tasks (e.g. "
    "D->W) refitting the intercepts helps, the third row lets the cross-validation inside the "
    "labelled target rows choose. All three are reported"
)

# (method, library), in table order.
METHODS = (
    ("source-only", "sklearn"),
    ("target-only", "sklearn"),
    ("pooled", "sklearn"),
    (SP_FREE, "tlearn"),
    (SP_PULLED, "tlearn"),
    (SP_CV, "tlearn"),
    ("RegularTransferLC", "adapt"),
)
PEER_MODULES = {"adapt": "adapt.parameter_based"}
# Methods that use the source: below source-only they show negative transfer.
TRANSFER = ("pooled", SP_FREE, SP_PULLED, SP_CV, "RegularTransferLC")
#: The record fields that are numbers (NaN in a run, null in its JSON).
NUMERIC = {"accuracy", "fit_seconds", "chosen", "reg_equivalent"}
#: The CSV's columns (those of the script before the shared runner).
CSV_FIELDS = (
    "dataset task labels_per_class seed method library accuracy param chosen intercept "
    "reg_equivalent cv n_labelled n_test fit_seconds error"
).split()

AMAZON_PREPROCESSING = (
    "z-score every feature with the mean and std (ddof=1) of the pooled source + target rows "
    "of the task (constant features left at 0), as kmm_amazon.py; rows as stored otherwise "
    "(they sum to 1)"
)

# ============================================================================ arguments


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick="smoke run (about a minute): tasks "
        + ", ".join(t for tasks in QUICK_TASKS.values() for t in tasks)
        + f",\nK in {{{', '.join(map(str, QUICK_K))}}}, seeds "
        f"{', '.join(map(str, QUICK_SEEDS))}, every other reg of the grid, no diagnostic",
        peers="also run ADAPT's RegularTransferLC where it is installed, with the same\n"
        "source model, splits, folds and grid (a peer that does not import is named\n"
        "and skipped)",
        n_jobs_note="fit times are measured inside each cell: with N jobs on N busy cores\n"
        "they include the contention",
        epilog="optional packages: without matplotlib the CSV and JSON are written and one "
        "line says why\nthere is no PNG; without tqdm there is no progress bar.",
    )
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help="comma-separated, among the defaults",
    )
    parser.add_argument(
        "--tasks",
        help="comma-separated tasks, e.g. C->A,B->D\n"
        "(default: all 12 of each data set; overrides --quick's tasks)",
    )
    parser.add_argument(
        "--seeds",
        help="comma-separated seeds of the labelled rows\n(default: 0,1,2,3,4; 0,1 with --quick)",
    )
    parser.add_argument(
        "--labels-per-class",
        type=int,
        nargs="+",
        default=None,
        metavar="K",
        help="labelled target rows per class\n(default: 1 3 5 10; 1 3 with --quick)",
    )
    parser.add_argument(
        "--diagnostic",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also score the shared prior at every reg (default: on, off with --quick)",
    )
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.diagnostic is None:
        args.diagnostic = not args.quick
    args.reg_grid = list(QUICK_REG_GRID if args.quick else REG_GRID)
    names = parse_choice(args.datasets, tuple(DATASETS), parser, "data sets")
    wanted = None
    if args.tasks:
        wanted = [t.strip() for t in args.tasks.split(",")]
        unknown = [t for t in wanted if t not in OFFICE_CALTECH_TASKS + AMAZON_TASKS]
        if unknown:
            parser.error(f"unknown tasks {unknown}")
    datasets = {}
    for d in names:
        if wanted is not None:
            tasks = tuple(t for t in wanted if t in DATASETS[d])
        else:
            tasks = QUICK_TASKS[d] if args.quick else DATASETS[d]
        if tasks:
            datasets[d] = list(tasks)
    if not datasets:
        parser.error(f"none of the tasks {wanted} is a task of {', '.join(names)}")
    args.datasets = datasets
    if args.seeds:
        try:
            args.seeds = [int(s) for s in args.seeds.split(",")]
        except ValueError:
            parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    else:
        args.seeds = list(QUICK_SEEDS if args.quick else SEEDS)
    if args.labels_per_class is None:
        args.labels_per_class = list(QUICK_K if args.quick else LABELS_PER_CLASS)
    if min(args.labels_per_class) < 1:
        parser.error("--labels-per-class must be at least 1")
    args.labels_per_class = sorted(args.labels_per_class)
    return _cli.finish(parser, args)


# ============================================================================ settings


def settings_from(args):
    return {
        "datasets": {d: list(t) for d, t in args.datasets.items()},
        "labels_per_class": list(args.labels_per_class),
        "seeds": list(args.seeds),
        "split": "_common.few_label_split(y_target, K, seed), with every class capped at "
        "min(K, n_c // 2) labelled rows (a class keeps at least half of its rows for testing; "
        "only dslr targets at K >= 5 are capped); every other target row is a test row",
        "preprocessing": {
            "office_caltech": OFFICE_CALTECH_PREPROCESSING + " (target statistics over all its "
            "rows, labelled or not)",
            "amazon": AMAZON_PREPROCESSING,
        },
        "source_C": SOURCE_C,
        "source_C_why": "fixed before the runs: 5-fold stratified CV on each source domain "
        "alone (_common.choose_C, source labels only) picks C = 0.01 on 7 of the 8 domains "
        "(Office-Caltech A, C, W; Amazon B, E, K; dslr picks 1, Amazon dvd 0.001); also the "
        "logistic regression's C of feature_office_caltech.py",
        "source_only": f"LogisticRegression(C={SOURCE_C}, max_iter=1000) on the source rows, "
        "once per task; it is also the prior of the shared prior and ADAPT's source estimator",
        "pooled": f"LogisticRegression(C={SOURCE_C}, max_iter=1000) on source + labelled target "
        "rows (each row weight 1)",
        "target_only": "LogisticRegression(C, max_iter=1000) on the labelled target rows; C by "
        f"CV over {list(C_GRID)} (ties to the smaller C) when every class has >= 2 labels, "
        f"else C = {TARGET_ONLY_C_FIXED} (scikit-learn's default)",
        "shared_prior": "SharedPriorLogisticRegression(reg, prior={coef, intercept, classes} of "
        "the source-only model, penalize_intercept), alpha=0, other defaults (tol=1e-6, "
        f"max_iter=1000); reg by CV over {list(args.reg_grid)} (ties to the larger reg). "
        "Three rows: "
        f"'{SP_FREE}' (penalize_intercept=False, tlearn's default), '{SP_PULLED}' "
        f"(penalize_intercept=True) and '{SP_CV}' ((penalize_intercept, reg) by CV over the "
        f"{2 * len(args.reg_grid)} pairs, from the CV scores of the other two rows; ties to the "
        "larger reg, then to the pulled intercepts)",
        "shared_prior_why_three": SHARED_PRIOR_WHY,
        "adapt": "adapt.parameter_based.RegularTransferLC(source-only model, lambda_, "
        "verbose=0, random_state=0), fit(labelled target rows) with stdout silenced; lambda_ "
        "by CV on the same folds over 2 sqrt(reg) for reg in the same grid (ties to the larger)",
        "adapt_mapping": ADAPT_MAPPING,
        "cv": "inside the labelled target rows only: leave-one-out when some class has one "
        "label, else StratifiedKFold(min(5, smallest class count), shuffle=True, "
        "random_state=seed); score = accuracy over the held-out rows; the same folds for "
        "every method of a cell",
        "reg_grid": list(args.reg_grid),
        "diagnostic_on": args.diagnostic,
        "diagnostic": "test accuracy of the shared prior at every reg of the grid "
        "(test_accuracy_by_reg): never used for a choice",
        "table": "12-task mean: the mean over the tasks for each seed, then mean +/- std "
        "(ddof=1) over the seeds",
        "blas_threads": args.blas_threads,
    }


# ============================================================================ plan and run


def make_cells(datasets, Ks, seeds, peers):
    """The grid: one dict per (data set, task, K, seed, method), in the tables' order; the
    three shared-prior rows are one cell."""
    methods = ["source-only", "target-only", "pooled", SHARED_PRIOR_CELL]
    if "adapt" in peers:
        methods.append("RegularTransferLC")
    return [
        {"dataset": d, "task": t, "labels_per_class": int(K), "seed": int(s), "method": m}
        for d, tasks in datasets.items()
        for t in tasks
        for K in Ks
        for s in seeds
        for m in methods
    ]


def payload_key(cell):
    return (cell["dataset"], cell["task"])


def load_payloads(datasets):
    """``({(data set, task): {"Xs", "ys", "Xt", "yt"}}, {data set: load info})``."""
    payloads, info = {}, {}
    for d, tasks in datasets.items():
        try:
            loaded, info[d] = _suite.load_tasks(SUITE_NAMES[d], tasks)
        except _suite.NoData as exc:  # the loader's message names the files and where
            hint = (
                " (`--datasets office_caltech` runs on the copy shipped with tlearn)"
                if d == "amazon"
                else ""
            )
            sys.exit(f"error: {DATASET_TITLES[d]} is not available: {exc}{hint}")
        for task in tasks:
            payloads[(d, task)] = loaded[task]
    return payloads, info


def prepare(argv=None):
    """Parse the arguments, load the data, import the peers: the plan of a run."""
    args = parse_args(argv)
    payloads, data_info = load_payloads(args.datasets)
    peers, missing = _common.peers_that_import(PEER_MODULES) if args.peers else ([], {})
    return {
        "args": args,
        "payloads": payloads,
        "data_info": data_info,
        "settings": settings_from(args),
        "peers": peers,
        "peers_missing": missing,
        "cells": make_cells(args.datasets, args.labels_per_class, args.seeds, peers),
        "load_before": list(os.getloadavg()),
    }


def source_lr():
    return LogisticRegression(C=SOURCE_C, max_iter=1000)


def source_model_cell(cell, payload, settings):
    """The source-only model of one task (also the prior and ADAPT's source estimator)."""
    with blas_limits(settings["blas_threads"]), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return source_lr().fit(payload["Xs"], payload["ys"])


def settle(plan, runner):
    """The source-only model of every task, on the runner, into the payloads; its seconds."""
    start = time.perf_counter()
    keys = list(plan["payloads"])
    models = runner.map(
        source_model_cell,
        [{"dataset": d, "task": t} for d, t in keys],
        plan["payloads"],
        payload_key,
        plan["settings"],
        desc="source models",
    )
    for key, model in zip(keys, models):
        plan["payloads"][key]["source_model"] = model
    return time.perf_counter() - start


def run_grid(plan, runner):
    """Every cell of the plan on the runner; ``(records in table order, seconds)``."""
    results, seconds = _grid.timed_map(
        runner,
        run_cell,
        plan["cells"],
        plan["payloads"],
        payload_key,
        plan["settings"],
        desc="grid",
    )
    return [r for records in results for r in records], seconds


# ============================================================================ one cell


def prior_of(model):
    return {"coef": model.coef_, "intercept": model.intercept_, "classes": model.classes_}


def fit_shared_prior(prior, X, y, reg, pulled):
    model = SharedPriorLogisticRegression(reg=reg, prior=prior, penalize_intercept=pulled)
    return model.fit(X, y)


def fit_adapt(adapt_cls, source_model, X, y, lambda_):
    with contextlib.redirect_stdout(io.StringIO()):  # its fit prints yt.shape
        return adapt_cls(source_model, lambda_=lambda_, verbose=0, random_state=0).fit(X, y)


def fit_target_only(X, y, C):
    return LogisticRegression(C=C, max_iter=1000).fit(X, y)


def accuracy(model, X, y):
    return 100.0 * float(np.mean(model.predict(X) == y))


def run_baseline_or_peer(method, ctx, peer):
    """One baseline or ADAPT on one (task, K, seed) split: ``{method: (accuracy, seconds,
    info)}``."""
    Xs, ys, Xl, yl, Xu, yu, folds, source_model, grid = ctx
    info = {}
    start = time.perf_counter()
    if method == "source-only":
        model = source_model  # fitted once per task; its time is not counted here
    elif method == "pooled":
        model = source_lr().fit(np.vstack([Xs, Xl]), np.concatenate([ys, yl]))
    elif method == "target-only":
        if folds[1] == "leave-one-out":  # some class has one label: no CV possible
            C, scores = TARGET_ONLY_C_FIXED, {}
        else:
            scores = cv_scores(fit_target_only, C_GRID, Xl, yl, folds[0])
            C = best_of(scores, min)
        model = fit_target_only(Xl, yl, C)
        info = {"param": "C", "chosen": C, "cv_scores": scores}
    else:  # ADAPT's RegularTransferLC
        cls = peer.RegularTransferLC

        def fit(X, y, reg):
            return fit_adapt(cls, source_model, X, y, adapt_lambda(reg))

        scores = cv_scores(fit, grid, Xl, yl, folds[0])
        reg = best_of(scores, max)
        model = fit(Xl, yl, reg)
        info = {
            "param": "lambda_",
            "chosen": adapt_lambda(reg),
            "reg_equivalent": reg,
            "cv_scores": scores,
        }
    return {method: (accuracy(model, Xu, yu), time.perf_counter() - start, info)}


def run_shared_prior(ctx, diagnostic=True):
    """The three shared-prior rows of one split, from one set of fits.

    For each intercept treatment (free, pulled): the CV scores of every ``reg``,
    then the final fit at the chosen one. "b by CV" picks (treatment, reg) from
    the union of the two sets of CV scores (a tie goes to the larger reg, then
    to the pulled intercepts) and reuses the final fit when it is one of the
    two. With ``diagnostic``, the final fit at every other ``reg`` too, for
    ``test_accuracy_by_reg`` (not timed, never used for a choice).
    """
    Xs, ys, Xl, yl, Xu, yu, folds, source_model, grid = ctx
    prior = prior_of(source_model)
    final = {}  # (pulled, reg) -> test accuracy of the fit on every labelled row

    def final_accuracy(pulled, reg):
        if (pulled, reg) not in final:
            final[(pulled, reg)] = accuracy(fit_shared_prior(prior, Xl, yl, reg, pulled), Xu, yu)
        return final[(pulled, reg)]

    out, scores, seconds = {}, {}, {}
    for name, pulled in ((SP_FREE, False), (SP_PULLED, True)):
        start = time.perf_counter()

        def fit(X, y, reg, pulled=pulled):
            return fit_shared_prior(prior, X, y, reg, pulled)

        scores[pulled] = cv_scores(fit, grid, Xl, yl, folds[0])
        reg = best_of(scores[pulled], max)
        acc = final_accuracy(pulled, reg)
        seconds[pulled] = time.perf_counter() - start  # CV + the final fit
        out[name] = (
            acc,
            seconds[pulled],
            {"param": "reg", "chosen": reg, "cv_scores": scores[pulled]},
        )
    joint = {(reg, pulled): scores[pulled][reg] for pulled in (False, True) for reg in grid}
    reg, pulled = best_of(joint, max)
    start = time.perf_counter()
    acc = final_accuracy(pulled, reg)
    out[SP_CV] = (
        acc,
        seconds[False] + seconds[True] + time.perf_counter() - start,
        {
            "param": "reg",
            "chosen": reg,
            "intercept": "pulled" if pulled else "free",
            "cv_scores": {f"{'pulled' if p else 'free'} {r:g}": s for (r, p), s in joint.items()},
        },
    )
    if diagnostic:
        with warnings.catch_warnings():  # the diagnostic's warnings are not the method's
            warnings.simplefilter("ignore")
            for name, pulled in ((SP_FREE, False), (SP_PULLED, True)):
                out[name][2]["test_accuracy_by_reg"] = {r: final_accuracy(pulled, r) for r in grid}
    return out


def run_safe(method, ctx, peer, diagnostic=True):
    """``{method: (accuracy, seconds, info, warnings, error)}`` for ``method``, or for the
    three shared-prior rows; warnings collected, an error kept as a result."""
    names = SHARED_PRIOR if method == SHARED_PRIOR_CELL else (method,)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if method == SHARED_PRIOR_CELL:
                results = run_shared_prior(ctx, diagnostic)
            else:
                results = run_baseline_or_peer(method, ctx, peer)
            error = None
        except Exception as exc:  # a peer failing on a task is a result, not a crash
            results = {name: (float("nan"), float("nan"), {}) for name in names}
            error = f"{type(exc).__name__}: {exc}"
    return {name: (*results[name], warning_lines(caught), error) for name in names}


def run_cell(cell, payload, settings):
    """Fit and score one (data set, task, K, seed, method) cell: its records (three for the
    shared prior, one otherwise).

    The split depends only on the target labels, K and the seed, the folds on the
    labelled rows and the seed; the BLAS/OpenMP pools are pinned to
    ``settings["blas_threads"]``. A failure (e.g. of a peer) is a result: ``error`` holds it.
    """
    Xs, ys, Xt, yt = (payload[k] for k in ("Xs", "ys", "Xt", "yt"))
    K, seed, method = cell["labels_per_class"], cell["seed"], cell["method"]
    peer = None
    if method == "RegularTransferLC":  # imported before the warnings are recorded
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer = importlib.import_module(PEER_MODULES["adapt"])
    with blas_limits(settings["blas_threads"]):
        labelled, test = split_target(yt, K, seed)
        folds = cv_folds(yt[labelled], seed)
        ctx = (
            Xs,
            ys,
            Xt[labelled],
            yt[labelled],
            Xt[test],
            yt[test],
            folds,
            payload["source_model"],
            tuple(settings["reg_grid"]),
        )
        results = run_safe(method, ctx, peer, settings["diagnostic_on"])
    library = dict(METHODS)
    records = []
    for name, (acc, seconds, info, messages, error) in results.items():
        records.append(
            {
                "dataset": cell["dataset"],
                "task": cell["task"],
                "labels_per_class": K,
                "seed": seed,
                "method": name,
                "library": library[name],
                "accuracy": acc,
                "param": info.get("param"),
                "chosen": info.get("chosen"),
                "intercept": info.get("intercept"),
                "reg_equivalent": info.get("reg_equivalent"),
                "cv": folds[1],
                "cv_scores": info.get("cv_scores"),
                "test_accuracy_by_reg": info.get("test_accuracy_by_reg"),
                "n_labelled": len(labelled),
                "n_test": len(test),
                "fit_seconds": seconds,
                "warnings": messages,
                "error": error,
            }
        )
    return records


# ============================================================================ the report


def describe(plan):
    """What the JSON report says of a run before the grid: data, settings, peers."""
    args = plan["args"]
    return {
        "benchmark": BENCHMARK,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _cli.command_as_typed(),
        "tasks": [t for tasks in args.datasets.values() for t in tasks],
        "quick": args.quick,
        "data": plan["data_info"],
        "settings": plan["settings"],
        "peers": plan["peers"],
        "peers_not_run": plan["peers_missing"],
        "load_before": plan["load_before"],
    }


def _keys(records):
    present = {(r["method"], r["library"]) for r in records}
    return [k for k in METHODS if k in present]


def _records(report):
    return _common.nan_for_none(report["records"], NUMERIC)


def _summaries(report, records, keys):
    s = report["settings"]
    return {
        d: summarise(
            [r for r in records if r["dataset"] == d],
            tasks,
            s["labels_per_class"],
            s["seeds"],
            keys,
        )
        for d, tasks in s["datasets"].items()
    }


def finish_report(report, records, info, total_seconds):
    """``report`` (from :func:`describe`) with the results of the run added, as its JSON
    file holds it (so that the live run prints what ``--render`` of the file prints)."""
    report.update(
        run=info,
        total_seconds=total_seconds,
        versions=package_versions(
            (*_common.DEFAULT_PACKAGES, "joblib", "dask", "distributed", "tqdm", "matplotlib")
        ),
        machine=machine_info(),
        records=records,
    )
    report = json.loads(json.dumps(_common.json_safe(report)))  # float keys become strings
    s, records = report["settings"], _records(report)
    keys = _keys(records)
    summaries = _summaries(report, records, keys)
    tables, goals, reg_notes = {}, {}, {}
    for d, tasks in s["datasets"].items():
        tables[d] = curve_table(summaries[d], keys, s["labels_per_class"])
        goals[d] = {
            v: goal_lines(summaries[d], tasks, s["labels_per_class"], keys, v)[1]
            for v in SHARED_PRIOR
        }
        reg_notes[d] = reg_lines(
            [r for r in records if r["dataset"] == d], s["labels_per_class"], s["reg_grid"]
        )
    extra = {
        "tables_markdown": tables,
        "goal_met": goals,
        "reg_diagnostics": reg_notes,
        "summary": [
            {"dataset": d, "method": k[0], "library": k[1], "labels_per_class": k[2], **v}
            for d, summary in summaries.items()
            for k, v in summary.items()
        ],
    }
    report.update(json.loads(json.dumps(_common.json_safe(extra))))
    return report


def header_text(report):
    """The header of the output: data, protocol, every setting, the peers."""
    s = report["settings"]
    out, emit = _common.text_lines()
    emit("# Few-label learning curves: shared-prior logistic regression (issue 5)\n")
    for d, tasks in s["datasets"].items():
        emit(f"- {DATASET_TITLES[d]}: {', '.join(tasks)}; preprocessing: {s['preprocessing'][d]}.")
        files = (report.get("data") or {}).get(d, {}).get("files")
        if files:
            emit(f"  Files: {files}.")
    emit(
        f"- Labels per class K: {', '.join(map(str, s['labels_per_class']))}; seeds "
        f"{', '.join(map(str, s['seeds']))}. Split: {s['split']}."
    )
    emit(f"- Source-only: {s['source_only']}. C: {s['source_C_why']}.")
    emit(f"- Target-only: {s['target_only']}.")
    emit(f"- Pooled: {s['pooled']}.")
    emit(f"- Shared prior: {s['shared_prior']}. Why three rows: {s['shared_prior_why_three']}.")
    peers = report.get("peers")
    if peers is None:  # a report of the script before the shared runner
        peers = {r["library"] for r in report["records"]} & set(PEER_MODULES)
    if "adapt" in peers:
        emit(f"- ADAPT: {s['adapt']}. Mapping: {s['adapt_mapping']}.")
    for name, why in report.get("peers_not_run", {}).items():
        emit(f"- Not run: {name} ({why}).")
    emit(f"- Cross-validation: {s['cv']}.")
    diagnostic = "" if s["diagnostic_on"] else " (off in this run)"
    emit(f"- Diagnostic: {s['diagnostic']}{diagnostic}.\n")
    if report.get("load_before"):
        load = ", ".join(f"{x:.2f}" for x in report["load_before"])
        emit(f"Machine load before the runs: load average: {load}.\n")
    return "".join(out)


def seed_table(records, key, task_list, K, seeds, field="accuracy"):
    acc = {
        (r["task"], r["seed"]): r[field]
        for r in records
        if (r["method"], r["library"]) == key and r["labels_per_class"] == K
    }
    return np.array([[acc.get((t, s), np.nan) for s in seeds] for t in task_list], dtype=float)


def summarise(records, task_list, Ks, seeds, keys):
    """Per (method, library, K): per-task mean over seeds, and the task mean's mean/std."""
    ddof = 1 if len(seeds) > 1 else 0
    out = {}
    for key in keys:
        for K in Ks:
            table = seed_table(records, key, task_list, K, seeds)
            per_seed = table.mean(axis=0)
            out[(*key, K)] = {
                "per_task": dict(zip(task_list, table.mean(axis=1))),
                "task_mean": float(per_seed.mean()),
                "task_mean_std": float(per_seed.std(ddof=ddof)),
            }
    return out


def curve_table(summary, keys, Ks):
    """Rows = methods, columns = K; bold = best in the column, ``↓`` = a transfer method
    below source-only (negative transfer)."""
    best = {K: np.nanmax([summary[(*k, K)]["task_mean"] for k in keys]) for K in Ks}
    rows = []
    for key in keys:
        cells = []
        for K in Ks:
            s = summary[(*key, K)]
            m = s["task_mean"]
            text = f"{fmt(m, 1)} ± {fmt(s['task_mean_std'], 1)}"
            ref = summary[("source-only", "sklearn", K)]["task_mean"]
            if key[0] in TRANSFER and np.isfinite(m) and m < ref - 1e-9:
                text += " ↓"
            if np.isfinite(m) and m >= best[K] - 1e-9:
                text = f"**{text}**"
            cells.append(text)
        rows.append([key[0], key[1], *cells])
    return markdown_table(["method", "library", *[f"K = {K}" for K in Ks]], rows)


def goal_lines(summary, task_list, Ks, keys, variant):
    """The issue's goal, K by K: the shared prior ``variant`` > target-only, >= pooled,
    >= ADAPT. Returns the lines and ``{comparison: met at every K}``."""
    sp = (variant, "tlearn")
    others = [("target-only", "sklearn", ">"), ("pooled", "sklearn", ">=")]
    if ("RegularTransferLC", "adapt") in keys:
        others.append(("RegularTransferLC", "adapt", ">="))
    lines, met = [], {}
    for method, library, rel in others:
        parts = []
        ok_all = True
        for K in Ks:
            a = summary[(*sp, K)]
            b = summary[(method, library, K)]
            diff = a["task_mean"] - b["task_mean"]
            ok = diff > 1e-9 if rel == ">" else diff >= -1e-9
            ok_all &= ok
            wins = sum(a["per_task"][t] > b["per_task"][t] + 1e-9 for t in task_list)
            ties = sum(abs(a["per_task"][t] - b["per_task"][t]) <= 1e-9 for t in task_list)
            parts.append(
                f"K={K}: {diff:+.2f} ({'ok' if ok else 'NOT met'}; better on {wins}"
                + (f", tied on {ties}" if ties else "")
                + f" of {len(task_list)} tasks)"
            )
        met[f"{rel} {method}"] = bool(ok_all)
        lines.append(f"- {variant} {rel} {method}: " + "; ".join(parts) + ".")
    return lines, met


def reg_lines(records, Ks, grid):
    """Per shared-prior variant and K: how often each reg was chosen, and what the CV
    choice costs against the best fixed reg in hindsight (test labels: diagnostic only).

    ``records`` as the JSON holds them: ``cv_scores`` and ``test_accuracy_by_reg`` keyed
    by ``str(reg)``."""
    lines = []
    for variant in SHARED_PRIOR:
        for K in Ks:
            rs = [
                r
                for r in records
                if r["method"] == variant and r["labels_per_class"] == K and r["error"] is None
            ]
            if not rs:
                continue
            if variant == SP_CV:
                chosen = [f"{r['intercept']} {r['chosen']:g}" for r in rs]
                counts = ", ".join(f"{c}: {chosen.count(c)}" for c in sorted(set(chosen)))
                lines.append(
                    f"- {variant}, K={K}: (intercept, reg) chosen {counts}; mean test accuracy "
                    f"{np.mean([r['accuracy'] for r in rs]):.2f}."
                )
                continue
            chosen = [r["chosen"] for r in rs]
            counts = ", ".join(f"{reg:g}: {chosen.count(reg)}" for reg in grid if reg in chosen)
            if any(r["test_accuracy_by_reg"] is None for r in rs):
                lines.append(
                    f"- {variant}, K={K}: reg chosen {counts}; mean test accuracy "
                    f"{np.mean([r['accuracy'] for r in rs]):.2f}."
                )
                continue
            by_reg = np.array([[r["test_accuracy_by_reg"][str(reg)] for reg in grid] for r in rs])
            mean_by_reg = by_reg.mean(axis=0)
            best_fixed = int(np.argmax(mean_by_reg))
            # Does the CV score rank the regs as the test accuracy does? At K = 1 every
            # held-out row's class is missing from its fold, which favours a large reg.
            cv_by_reg = np.array([[r["cv_scores"][str(reg)] for reg in grid] for r in rs])
            rising = int(np.sum(np.all(np.diff(cv_by_reg, axis=1) >= 0, axis=1)))
            lines.append(
                f"- {variant}, K={K}: reg chosen {counts}. Mean test accuracy: CV choice "
                f"{np.mean([r['accuracy'] for r in rs]):.2f}; each fixed reg "
                + ", ".join(f"{reg:g}: {a:.2f}" for reg, a in zip(grid, mean_by_reg))
                + f" (best in hindsight {grid[best_fixed]:g}); best reg per cell in "
                f"hindsight {by_reg.max(axis=1).mean():.2f}. Mean CV score, each reg "
                + ", ".join(f"{reg:g}: {a:.1f}" for reg, a in zip(grid, cv_by_reg.mean(axis=0)))
                + f"; it never falls as reg grows in {rising} of {len(rs)} cells."
            )
    return lines


def notes_of(records):
    """``{(method, library): {warning or error: ["task/K=k/seed", ...]}}``; the shared
    prior's (the same fits for its three rows) once, as "shared prior"."""
    notes = {}
    for r in records:
        if r["method"] in SHARED_PRIOR[1:]:
            continue
        name = "shared prior" if r["method"] in SHARED_PRIOR else r["method"]
        for m in r["warnings"] + ([f"ERROR {r['error']}"] if r["error"] else []):
            where = f"{r['task']}/K={r['labels_per_class']}/{r['seed']}"
            notes.setdefault((name, r["library"]), {}).setdefault(m, []).append(where)
    return notes


def results_text(report):
    """Everything the run prints after the grid: per data set the curves, the issue's goal
    and the reg lines, then the time, notes and the run; from the report alone."""
    s = report["settings"]
    Ks, seeds = s["labels_per_class"], s["seeds"]
    records = _records(report)
    keys = _keys(records)
    summaries = _summaries(report, records, keys)
    out, emit = _common.text_lines()
    for d, tasks in s["datasets"].items():
        summary = summaries[d]
        emit(
            f"## {DATASET_TITLES[d]}: target test accuracy (%), {len(tasks)}-task mean ± "
            f"std over {len(seeds)} seed(s)\n"
        )
        emit(curve_table(summary, keys, Ks))
        emit(
            "\nBold: best in the column. ↓: a transfer method (pooled, shared prior, "
            "RegularTransferLC) below source-only in that column (negative transfer).\n"
        )
        emit(f"Issue goal (shared prior minus the other method, {len(tasks)}-task means):\n")
        for variant in SHARED_PRIOR:
            for line in goal_lines(summary, tasks, Ks, keys, variant)[0]:
                emit(line)
        emit(
            "\nThe shared prior's reg (the hindsight numbers use test labels: a diagnostic, "
            "they choose nothing; `b by CV` reuses the other two rows' fits):\n"
        )
        for line in reg_lines([r for r in records if r["dataset"] == d], Ks, s["reg_grid"]):
            emit(line)
        emit()

    time_rows = []
    for key in keys:
        secs = np.array(
            [r["fit_seconds"] for r in records if (r["method"], r["library"]) == key], float
        )
        time_rows.append([key[0], key[1], fmt(np.nansum(secs), 1), fmt(1000 * np.nanmean(secs), 1)])
    emit("## Time (fits of a cell, cross-validation included, one process)\n")
    emit(markdown_table(["method", "library", "total s (with CV)", "mean ms per cell"], time_rows))
    notes = notes_of(records)
    if notes:
        emit("\nNotes (warnings and errors, with task/K/seed):\n")
        for (method, library), msgs in notes.items():
            for m, where in msgs.items():
                shown = ", ".join(where[:4]) + (
                    f", ... ({len(where)} cells)" if len(where) > 4 else ""
                )
                emit(f"- {method} / {library}: {m} [{shown}]")
    load = ", ".join(f"{x:.2f}" for x in report["machine"]["load_average"])
    total = report["total_seconds"]
    emit(f"\nTotal {total:.0f} s. Machine load after the runs: load average: {load}.")
    if report.get("run"):
        emit(_common.run_line(report, len(records), "source models"))
    return "".join(out)


def render(report):
    """The whole output of a run, from its report (``--render``)."""
    return header_text(report) + results_text(report)


# ============================================================================ files

STYLES = {
    "source-only": ("#7f7f7f", "--", "s"),
    "target-only": ("#dd8452", "-", "v"),
    "pooled": ("#55a868", "-", "D"),
    SP_FREE: ("#c44e52", ":", "o"),
    SP_PULLED: ("#c44e52", "-", "o"),
    SP_CV: ("#8172b3", "-.", "P"),
    "RegularTransferLC": ("#4c72b0", "-", "^"),
}


def plot_report(report, path):
    """The learning curves of a report (one panel per data set), as a PNG."""
    plt = _common.pyplot()
    s = report["settings"]
    Ks, datasets = s["labels_per_class"], s["datasets"]
    records = _records(report)
    keys = _keys(records)
    summaries = _summaries(report, records, keys)
    fig, axes = plt.subplots(
        1, len(datasets), figsize=(5.6 * len(datasets), 4.3), layout="constrained", squeeze=False
    )
    for ax, dataset in zip(axes[0], datasets):
        summary = summaries[dataset]
        for key in keys:
            color, ls, marker = STYLES[key[0]]
            m = np.array([summary[(*key, K)]["task_mean"] for K in Ks])
            sd = np.array([summary[(*key, K)]["task_mean_std"] for K in Ks])
            label = f"{key[0]} ({key[1]})"
            ax.plot(Ks, m, color=color, ls=ls, marker=marker, lw=1.8, ms=5, label=label)
            ax.fill_between(Ks, m - sd, m + sd, color=color, alpha=0.15, lw=0)
        ax.set_xscale("log")
        ax.set_xticks(Ks)
        ax.set_xticklabels([str(K) for K in Ks])
        ax.minorticks_off()
        ax.set_xlabel("labelled target rows per class (K)")
        ax.set_ylabel("target test accuracy (%)")
        n = len(datasets[dataset])
        ax.set_title(f"{DATASET_TITLES[dataset]}: {n}-task mean ± std over seeds", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def output_stem(args):
    """``--output``, else the script's name (``_quick`` unless both data sets with their 12
    tasks, 5+ seeds and 4+ values of K)."""
    full = (
        len(args.datasets) == len(DATASETS)
        and all(len(t) == len(DATASETS[d]) for d, t in args.datasets.items())
        and len(args.seeds) >= len(SEEDS)
        and len(args.labels_per_class) >= len(LABELS_PER_CLASS)
    )
    return _cli.output_stem(args, BENCHMARK, full)


# ============================================================================ main


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.render:
        sys.stdout.write(render(_cli.load_report(args.render, BENCHMARK)))
        return
    started = time.perf_counter()
    plan = prepare(argv)
    report = describe(plan)
    sys.stdout.write(header_text(report))
    sys.stdout.flush()
    with _cli.grid_runner(args, by_value=(_cli, _common, _speed, _grid)) as runner:
        settle_seconds = settle(plan, runner)
        records, grid_seconds = run_grid(plan, runner)
        info = {**runner.info, "settle_seconds": settle_seconds, "grid_seconds": grid_seconds}
    report = finish_report(report, records, info, time.perf_counter() - started)
    sys.stdout.write(results_text(report))
    paths = _cli.write_outputs(
        report,
        output_stem(args),
        CSV_FIELDS,
        report["records"],
        plot_report,
        "parameter_learning_curves.py",
    )
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
