"""Few-label instance-based transfer on the 12 Office-Caltech-10 SURF tasks.

Protocol: the whole source domain is labelled; in the target domain
``--labels-per-class`` rows per class (3 by default, 30 rows) are labelled,
drawn by seed (``--seeds``, 0..4 by default; the draw depends only on the
target domain and the seed, see ``_common.few_label_split``); every other target
row is a test row, whose features are available to the methods as unlabelled
target rows and whose labels are used for scoring only. Preprocessing as in the
papers: each row divided by its sum, then every feature z-scored within its own
domain (``ddof=1``; the target statistics over all its rows, labelled or not).

Methods, all with the same base learner (``LogisticRegression``, ``C`` picked
by cross-validation on the source domain, see the printed settings):

- target-only: the learner on the labelled target rows;
- source-only (``tlearn.baselines.SourceOnly``): the learner on the source rows;
- pooled (``tlearn.baselines.Pooled``): the learner on source + labelled target rows;
- TrAdaBoost (``tlearn.instance.TrAdaBoost``), ``--n-estimators`` rounds, with
  its default ``hypothesis="label"`` (the paper's 0/1 loss and a vote of labels)
  and, as "TrAdaBoost (proba)", with ``hypothesis="proba"`` (the loss
  1 - p(true class) and a vote of probabilities);
- KMM (``tlearn.instance.KMM``): weights of the source rows from the source
  rows against all target rows (labelled and unlabelled), then the learner on
  the weighted source rows and the labelled target rows (weight 1).

``--peers`` adds ADAPT's TrAdaBoost (``adapt.instance_based.TrAdaBoost``, the
same learner and number of rounds) and the KMM weights of ADAPT
(``adapt.instance_based.KMM``) and SKADA (``skada.KMMReweightAdapter``) with
the same kernel, gamma, B and eps, each followed by the same final fit as
tlearn's KMM (neither peer's KMM estimator fits labelled target rows: ADAPT
fits the source rows only, SKADA gives target rows weight 0); a peer that does
not import is named ("Not run: ...") and the rest runs.

The (task, seed, method, library) grid runs on the shared runner
(``_grid.GridRunner``): ``--n-jobs N`` on N processes (joblib), ``--backend
dask`` on dask.distributed. Every cell depends only on its task, seed, method
and library, and pins its BLAS to ``--blas-threads`` (1) threads, so every
backend gives the numbers of the sequential run. Fit times (fit + predicting
the test rows) are measured inside each cell (wall clock); with N jobs on N
busy cores they include the contention.

Usage::

    python benchmarks/instance_office_caltech.py --peers   # 12 tasks x 5 seeds
    python benchmarks/instance_office_caltech.py --quick   # 3 tasks x 2 seeds (smoke run)
    python benchmarks/instance_office_caltech.py --tasks D->W --labels-per-class 1 --seeds 0
    python benchmarks/instance_office_caltech.py --render saved.json   # re-print a run

Data: ``tlearn.datasets.fetch_office_caltech10`` (``TLEARN_DATA_HOME``,
``TLEARN_DATA_MIRROR``); when the files cannot be had, the Office-Caltech-10
SURF copy shipped with tlearn (``tlearn.datasets.load_office_caltech10``, the
same arrays); the header says which. Output: markdown tables on stdout, CSV,
JSON (every setting, package versions, every fit) and PNG (accuracy per task
and method) under ``benchmarks/results/``, a progress bar on stderr.
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
    C_GRID,
    OFFICE_CALTECH_PREPROCESSING,
    OFFICE_CALTECH_TASKS,
    few_label_split,
    fmt,
    fmt_ratio,
    kmm_default_eps,
    kmm_violation,
    machine_info,
    markdown_table,
    package_versions,
    parse_choice,
    quiet_tensorflow,
)
from _speed import warning_lines  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from tlearn import stack_domains  # noqa: E402
from tlearn.baselines import Pooled, SourceOnly  # noqa: E402
from tlearn.instance import KMM, TrAdaBoost  # noqa: E402
from tlearn.metrics import median_heuristic_gamma  # noqa: E402

BENCHMARK = "instance_office_caltech"
TASKS = OFFICE_CALTECH_TASKS
QUICK_TASKS = ("A->D", "D->W", "W->C")
QUICK_SEEDS = (0, 1)
SEEDS = (0, 1, 2, 3, 4)

# (method, library), in table order; "sklearn" marks a plain scikit-learn fit.
METHODS = (
    ("target-only", "sklearn"),
    ("source-only", "tlearn"),
    ("pooled", "tlearn"),
    ("TrAdaBoost", "tlearn"),
    ("TrAdaBoost (proba)", "tlearn"),
    ("TrAdaBoost", "adapt"),
    ("KMM", "tlearn"),
    ("KMM", "adapt"),
    ("KMM", "skada"),
)
PEER_LIBRARIES = ("adapt", "skada")
PEER_MODULES = {"skada": "skada", "adapt": "adapt.instance_based"}  # the order of "Not run"
# Methods that transfer: below source-only they show negative transfer.
TRANSFER = ("pooled", "TrAdaBoost", "TrAdaBoost (proba)", "KMM")
#: The record fields that are numbers (NaN in a run, null in its JSON).
NUMERIC = set(
    "accuracy fit_seconds kmm_gamma kmm_below_0 kmm_above_B kmm_sum_band kmm_max_violation "
    "kmm_max_weight kmm_sum_over_n tradaboost_zero_error_rounds".split()
)
#: The CSV's columns (those of the script before the shared runner).
CSV_FIELDS = (
    "method library task seed accuracy fit_seconds n_labelled n_test kmm_gamma kmm_solver "
    "kmm_n_iter kmm_below_0 kmm_above_B kmm_sum_band kmm_max_weight kmm_max_violation "
    "tradaboost_zero_error_rounds tradaboost_weights_unchanged error"
).split()

# ============================================================================ arguments


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick=f"smoke run (~20 s): only {', '.join(QUICK_TASKS)} and seeds "
        f"{', '.join(map(str, QUICK_SEEDS))}",
        peers="also run ADAPT's TrAdaBoost and the KMM weights of ADAPT and SKADA where\n"
        "they are installed, with the same data, splits and settings\n"
        "(a peer that does not import is named and skipped)",
        n_jobs_note="fit times are measured inside each cell: with N jobs on N busy cores\n"
        "they include the contention",
        epilog="optional packages: without matplotlib the CSV and JSON are written and one "
        "line says why\nthere is no PNG; without tqdm there is no progress bar.",
    )
    parser.add_argument(
        "--tasks",
        help="comma-separated tasks, e.g. C->A,D->W\n"
        "(default: all 12; overrides --quick, its seeds included)",
    )
    parser.add_argument(
        "--seeds",
        help="comma-separated seeds of the labelled rows\n(default: 0,1,2,3,4; 0,1 with --quick)",
    )
    parser.add_argument(
        "--labels-per-class", type=int, default=3, help="labelled target rows per class"
    )
    parser.add_argument("--n-estimators", type=int, default=20, help="TrAdaBoost rounds")
    parser.add_argument(
        "--C", type=float, default=None, help="fixed C of the learner (default: source CV)"
    )
    parser.add_argument(
        "--kmm-B", type=float, default=1000.0, help="upper bound B of the KMM weights"
    )
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    tasks_given = bool(args.tasks)
    if tasks_given:
        args.tasks = list(parse_choice(args.tasks, TASKS, parser, "tasks"))
    else:
        args.tasks = list(QUICK_TASKS if args.quick else TASKS)
    if args.seeds:
        try:
            args.seeds = [int(s) for s in args.seeds.split(",")]
        except ValueError:
            parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    else:  # --tasks overrides --quick, its seeds included (as before the shared runner)
        args.seeds = list(QUICK_SEEDS if args.quick and not tasks_given else SEEDS)
    if args.labels_per_class < 1:
        parser.error("--labels-per-class must be at least 1")
    if args.n_estimators < 1:
        parser.error("--n-estimators must be at least 1")
    if args.C is not None and args.C <= 0:
        parser.error("--C must be positive")
    if args.kmm_B <= 0:
        parser.error("--kmm-B must be positive")
    return _cli.finish(parser, args)


# ============================================================================ plan and run


def make_cells(tasks, seeds, peers):
    """The grid: one dict per (task, seed, method, library), in the tables' order."""
    keys = [(m, lib) for m, lib in METHODS if lib in ("sklearn", "tlearn") or lib in peers]
    return [
        {"task": t, "seed": int(s), "method": m, "library": lib}
        for t in tasks
        for s in seeds
        for m, lib in keys
    ]


def base_settings(args):
    """The fixed settings of a run and their sources (the C of each source comes later)."""
    return {
        "preprocessing": OFFICE_CALTECH_PREPROCESSING + " (target statistics over all its rows)",
        "labels_per_class": args.labels_per_class,
        "seeds": list(args.seeds),
        "learner": "LogisticRegression(C=C[source], max_iter=1000)",
        "C_by_source": {},
        "C_cv_scores": {},
        "n_estimators": args.n_estimators,
        "kmm_kernel": "rbf",
        "kmm_B": args.kmm_B,
        "kmm_gamma": "median heuristic per task: 1 / median squared distance between rows "
        "of source + all target rows (tlearn's median_heuristic_gamma, 1,000-row subsample "
        "seeded 0), computed once per task and passed to every library",
        "kmm_eps": "(sqrt(n_s) - 1) / sqrt(n_s) (Huang et al.; the default of all three "
        "libraries), passed explicitly to every library",
        "blas_threads": args.blas_threads,
        "sources": {
            "C": (
                f"fixed to {args.C:g} on the command line"
                if args.C is not None
                else "5-fold stratified cross-validation on the source domain alone "
                f"(grid {', '.join(f'{c:g}' for c in C_GRID)}, ties to the smaller C); no "
                "target label is used, and the same C serves every method of the task"
            ),
            "learner": "a linear learner, as the SVMs of the TrAdaBoost and KMM papers, with "
            "sample_weight support; logistic regression also gives ADAPT's TrAdaBoost the "
            "predict_proba it uses, and is tlearn's default learner",
            "n_estimators": "tlearn's default (20); ADAPT gets the same number (its default is 10)",
            "kmm": "rbf kernel with the median heuristic (tlearn's default, Gretton et al.); "
            "B = 1000 and eps = (sqrt(n_s) - 1) / sqrt(n_s) are the KMM paper's values and "
            "the defaults of tlearn, SKADA and ADAPT",
        },
        "peers": {
            "TrAdaBoost adapt": f"adapt.instance_based.TrAdaBoost(LogisticRegression(C), "
            f"Xt=labelled target rows, yt=their labels, n_estimators={args.n_estimators}, "
            "lr=1, random_state=0). ADAPT's variant: errors from predict_proba (1 - p(true "
            "class)), beta_t = e / (2 - e), the last int(N/2) rounds vote with their "
            "probabilities",
            "KMM adapt": "adapt.instance_based.KMM(kernel='rbf', gamma, B, eps, "
            "max_size=n_s (one QP, as tlearn; ADAPT's default max_size=1000 would split the "
            "source rows into independent batches), cvxopt default tolerances, "
            "max_iter=100).fit_weights(Xs, all target rows), then the final fit",
            "KMM skada": "skada.KMMReweightAdapter(kernel='rbf', gamma, B, eps, defaults "
            "otherwise: solver='frank-wolfe', max_iter=1000).fit(source + all target rows, "
            "sample_domain) -> source_weights_, then the final fit",
            "final fit": "LogisticRegression(C) on the source rows (weights from KMM) and "
            "the labelled target rows (weight 1), as tlearn's KMM does",
        },
    }


def prepare(argv=None):
    """Parse the arguments, load the data, import the peers: the plan of a run."""
    args = parse_args(argv)
    try:
        payloads, data_info = _suite.load_tasks("office-caltech10", args.tasks)
    except _suite.NoData as exc:  # only when the shipped copy is damaged
        sys.exit(f"error: Office-Caltech-10 could not be read: {exc}")
    for task in args.tasks:  # every class must keep test rows (the split is the seed's)
        try:
            few_label_split(payloads[task]["yt"], args.labels_per_class, 0)
        except ValueError as exc:
            sys.exit(f"error: --labels-per-class {args.labels_per_class} on {task}: {exc}")
    peers, missing = _common.peers_that_import(PEER_MODULES) if args.peers else ([], {})
    return {
        "args": args,
        "payloads": payloads,
        "data_info": data_info,
        "settings": base_settings(args),
        "peers": peers,
        "peers_missing": missing,
        "cells": make_cells(args.tasks, args.seeds, peers),
        "load_before": list(os.getloadavg()),
    }


def settle(plan, runner):
    """The C of every source domain (source CV, on the runner) and the KMM gamma and eps of
    every task, into the plan's settings and payloads; the seconds it took."""
    args, payloads, settings = plan["args"], plan["payloads"], plan["settings"]
    start = time.perf_counter()
    sources = sorted({t[0] for t in args.tasks})
    if args.C is not None:
        settings["C_by_source"] = {x: args.C for x in sources}
    else:
        first = {x: next(t for t in args.tasks if t[0] == x) for x in sources}
        c_payloads = {
            x: {"Xs": payloads[t]["Xs"], "ys": payloads[t]["ys"]} for x, t in first.items()
        }
        chosen = runner.map(
            _common.choose_C_cell,
            [{"source": x} for x in sources],
            c_payloads,
            lambda c: c["source"],
            settings,
            desc="source C",
        )
        settings["C_by_source"] = {x: r["C"] for x, r in zip(sources, chosen)}
        settings["C_cv_scores"] = {x: r["C_cv_scores"] for x, r in zip(sources, chosen)}
    with blas_limits(args.blas_threads):
        for task in args.tasks:
            p = payloads[task]
            p["C"] = settings["C_by_source"][task[0]]
            p["gamma"] = median_heuristic_gamma(np.vstack([p["Xs"], p["Xt"]]), random_state=0)
            p["eps"] = kmm_default_eps(p["Xs"].shape[0])
    return time.perf_counter() - start


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


def fit_predict(method, library, C, split, kmm, peer=None):
    """Fit one method on one (task, seed) split; ``(y_pred of the test rows, info dict)``.

    ``peer``: the module of a peer's method (imported before the clock starts)."""
    learner = LogisticRegression(C=C, max_iter=1000)
    Xs, ys, Xl, yl, Xu = split
    info = {}
    if method == "target-only":
        model = clone(learner).fit(Xl, yl)
        return model.predict(Xu), info
    if library == "tlearn":
        # source rows, then labelled target rows, then unlabelled target rows (-1)
        Xt = np.vstack([Xl, Xu])
        yt = np.concatenate([yl, np.full(Xu.shape[0], -1)])
        X, y, sample_domain = stack_domains(Xs, ys, Xt, yt)
        model = {
            "source-only": lambda: SourceOnly(learner),
            "pooled": lambda: Pooled(learner),
            "TrAdaBoost": lambda: TrAdaBoost(
                learner, n_estimators=kmm["n_estimators"], hypothesis="label", random_state=0
            ),
            "TrAdaBoost (proba)": lambda: TrAdaBoost(
                learner, n_estimators=kmm["n_estimators"], hypothesis="proba", random_state=0
            ),
            "KMM": lambda: KMM(
                learner,
                kernel="rbf",
                gamma=kmm["gamma"],
                max_weight=kmm["B"],
                eps=kmm["eps"],
                random_state=0,
            ),
        }[method]()
        model.fit(X, y, sample_domain=sample_domain)
        if method.startswith("TrAdaBoost"):
            # p^1 is uniform; if no round ever had a loss, no weight ever moved and every
            # round refits the pooled learner
            info = {
                "zero_error_rounds": int(np.sum(model.estimator_errors_ == 0)),
                "weights_unchanged": bool(
                    np.allclose(model.weights_, model.source_weights_[0], rtol=1e-12, atol=0)
                ),
            }
        if method == "KMM":
            info = kmm_violation(model.weights_, kmm["B"], kmm["eps"])
            info.update(solver=model.solver_, n_iter=int(model.n_iter_))
        return model.predict(Xu), info
    if method == "TrAdaBoost":  # ADAPT
        model = peer.TrAdaBoost(
            clone(learner),
            Xt=Xl,
            yt=yl,
            n_estimators=kmm["n_estimators"],
            lr=1.0,
            verbose=0,
            random_state=0,
        )
        model.fit(Xs, ys)
        return model.predict(Xu), info
    # KMM weights from a peer, then the same final fit as tlearn's KMM
    Xt_all = np.vstack([Xl, Xu])
    if library == "adapt":
        weighter = peer.KMM(
            None,
            kernel="rbf",
            gamma=kmm["gamma"],
            B=kmm["B"],
            eps=kmm["eps"],
            max_size=Xs.shape[0],
            verbose=0,
            random_state=0,
        )
        w = np.asarray(weighter.fit_weights(Xs, Xt_all), dtype=np.float64)
    else:
        adapter = peer.KMMReweightAdapter(
            kernel="rbf", gamma=kmm["gamma"], B=kmm["B"], eps=kmm["eps"]
        )
        X, _, sample_domain = stack_domains(Xs, ys, Xt_all)
        adapter.fit(X, sample_domain=sample_domain)
        w = np.asarray(adapter.source_weights_, dtype=np.float64)
    info = kmm_violation(w, kmm["B"], kmm["eps"])
    model = clone(learner).fit(
        np.vstack([Xs, Xl]),
        np.concatenate([ys, yl]),
        sample_weight=np.concatenate([w, np.ones(Xl.shape[0])]),
    )
    return model.predict(Xu), info


def run_cell(cell, payload, settings):
    """Fit and score one (task, seed, method, library) cell; its record.

    The few-label split depends only on the target labels and the seed; the BLAS/OpenMP
    pools are pinned to ``settings["blas_threads"]``. A failure (e.g. of a peer) is a
    result: ``error`` holds it.
    """
    Xs, ys, Xt, yt = (payload[k] for k in ("Xs", "ys", "Xt", "yt"))
    method, library, task, seed = cell["method"], cell["library"], cell["task"], cell["seed"]
    labelled, test = few_label_split(yt, settings["labels_per_class"], seed)
    split = (Xs, ys, Xt[labelled], yt[labelled], Xt[test])
    kmm = {
        "gamma": payload["gamma"],
        "B": settings["kmm_B"],
        "eps": payload["eps"],
        "n_estimators": settings["n_estimators"],
    }
    with blas_limits(settings["blas_threads"]), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            peer = PEER_MODULES.get(library) and importlib.import_module(PEER_MODULES[library])
            start = time.perf_counter()
            y_pred, info = fit_predict(method, library, payload["C"], split, kmm, peer)
            seconds = time.perf_counter() - start  # fit + predicting the test rows
            accuracy, error = 100.0 * float(np.mean(y_pred == yt[test])), None
        except Exception as exc:  # a peer failing on a task is a result, not a crash
            accuracy, seconds, info = float("nan"), float("nan"), {}
            error = f"{type(exc).__name__}: {exc}"
    record = {
        "method": method,
        "library": library,
        "task": task,
        "seed": seed,
        "accuracy": accuracy,
        "fit_seconds": seconds,
        "n_labelled": len(labelled),
        "n_test": len(test),
        "error": error,
    }
    if method == "KMM":
        record.update({f"kmm_{k}": v for k, v in info.items()})
        record["kmm_gamma"] = kmm["gamma"]
    elif method.startswith("TrAdaBoost"):
        record.update({f"tradaboost_{k}": v for k, v in info.items()})
    record["warnings"] = warning_lines(caught)
    return record


# ============================================================================ the report


def describe(plan):
    """What the JSON report says of a run before the grid: data, settings, peers."""
    args = plan["args"]
    return {
        "benchmark": BENCHMARK,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _cli.command_as_typed(),
        "tasks": list(args.tasks),
        "seeds": list(args.seeds),
        "quick": args.quick,
        "data": plan["data_info"],
        "settings": plan["settings"],
        "peers": plan["peers"],
        "peers_not_run": plan["peers_missing"],
        "load_before": plan["load_before"],
    }


def summarise(records, tasks, seeds, keys):
    """Per (method, library): mean and std over seeds per task, and of the task mean."""
    acc = {}
    for r in records:
        acc[(r["method"], r["library"], r["task"], r["seed"])] = r["accuracy"]
    out = {}
    for key in keys:
        table = np.array([[acc.get((*key, t, s), np.nan) for s in seeds] for t in tasks])
        ddof = 1 if len(seeds) > 1 else 0
        per_seed_mean = table.mean(axis=0)  # the task mean of each seed
        out[key] = {
            "mean": dict(zip(tasks, table.mean(axis=1))),
            "std": dict(zip(tasks, table.std(axis=1, ddof=ddof))),
            "task_mean": float(per_seed_mean.mean()),
            "task_mean_std": float(per_seed_mean.std(ddof=ddof)),
        }
    return out


def _keys(records):
    present = {(r["method"], r["library"]) for r in records}
    return [k for k in METHODS if k in present]


def _totals(records, keys):
    """``{key: (total fit s, mean s per fit, fits)}``."""
    out = {}
    for key in keys:
        secs = np.array(
            [r["fit_seconds"] for r in records if (r["method"], r["library"]) == key], float
        )
        out[key] = (float(np.nansum(secs)), float(np.nanmean(secs)), len(secs))
    return out


def time_ratios(totals):
    """``{"<method> tlearn/<peer>": tlearn's total fit time over the peer's}``."""
    ratios = {}
    for method in ("TrAdaBoost", "KMM"):
        ours = totals.get((method, "tlearn"), (None,))[0]
        for peer in PEER_LIBRARIES:
            theirs = totals.get((method, peer), (None,))[0]
            if ours and theirs:
                ratios[f"{method} tlearn/{peer}"] = ours / theirs
    return ratios


def finish_report(report, records, info):
    """``report`` (from :func:`describe`) with the results of the run added."""
    keys = _keys(records)
    summary = summarise(records, report["tasks"], report["seeds"], keys)
    totals = _totals(records, keys)
    report.update(
        run=info,
        versions=package_versions(
            (*_common.DEFAULT_PACKAGES, "joblib", "dask", "distributed", "tqdm", "matplotlib")
        ),
        machine=machine_info(),
        summary=[
            {"method": k[0], "library": k[1], **summary[k], "fit_seconds_total": totals[k][0]}
            for k in keys
        ],
        time_ratios=time_ratios(totals),
        records=records,
    )
    return report


def _libraries(report):
    peers = report.get("peers")
    if peers is None:  # a report of the script before the shared runner
        peers = sorted({r["library"] for r in report["records"]} & set(PEER_LIBRARIES))
    return ["tlearn", *[lib for lib in PEER_LIBRARIES if lib in peers]]


def header_text(report):
    """The header of the output: tasks, protocol, libraries, data, hyper-parameters."""
    s, tasks = report["settings"], report["tasks"]
    libraries, missing = _libraries(report), report.get("peers_not_run", {})
    out, emit = _common.text_lines()
    emit("# Few-label instance-based transfer on Office-Caltech-10 (SURF-800)\n")
    emit(
        f"Tasks: {', '.join(tasks)} ({len(tasks)} of 12); seeds: "
        f"{', '.join(map(str, s['seeds']))}; {s['labels_per_class']} labelled target rows "
        "per class, every other target row is a test row (its features unlabelled "
        "target rows in fit, its labels used for scoring only)."
    )
    emit(f"Libraries: {', '.join(libraries)}.")
    for name, why in missing.items():
        emit(f"Not run: {name} ({why}).")
    if report.get("data", {}).get("files"):
        emit(f"Files: {report['data']['files']}.")
    emit(f"\nPreprocessing: {s['preprocessing']}.")
    emit("\nHyper-parameters (fixed before the runs, never tuned on target labels):\n")
    Cs = ", ".join(f"{k}: C = {v:g}" for k, v in s["C_by_source"].items())
    emit(f"- Learner: {s['learner']}, {Cs}. Source: {s['sources']['C']}.")
    for letter, scores in s["C_cv_scores"].items():
        text = ", ".join(f"C={float(c):g}: {v:.1f}" for c, v in scores.items())
        emit(f"  - source CV accuracy (%) on {letter}: {text}")
    emit(f"  Why this learner: {s['sources']['learner']}.")
    emit(
        f"- TrAdaBoost: n_estimators = {s['n_estimators']}. Source: {s['sources']['n_estimators']}."
        " hypothesis = 'label' (tlearn's default) for the TrAdaBoost row, 'proba' for the "
        "TrAdaBoost (proba) row."
    )
    emit(
        f"- KMM: kernel rbf, gamma = {s['kmm_gamma']}; B = {s['kmm_B']:g}; eps = "
        f"{s['kmm_eps']}. Source: {s['sources']['kmm']}."
    )
    if len(libraries) > 1:
        emit("\nThe peers:\n")
        for name, text in s["peers"].items():
            emit(f"- {name}: {text}.")
    emit()
    if report.get("load_before"):
        load = ", ".join(f"{x:.2f}" for x in report["load_before"])
        emit(f"Machine load before the runs: load average: {load}.\n")
    return "".join(out)


def accuracy_table(summary, tasks, keys):
    """Rows = (method, library), columns = tasks and their mean; best in bold, ``↓`` marks
    a transfer method below source-only (negative transfer)."""
    columns = [*tasks, "mean"]

    def value(key, col):
        s = summary[key]
        if col == "mean":
            return s["task_mean"], s["task_mean_std"]
        return s["mean"][col], s["std"][col]

    best = {c: np.nanmax([value(k, c)[0] for k in keys]) for c in columns}
    base = summary.get(("source-only", "tlearn"))
    rows = []
    for key in keys:
        cells = []
        for col in columns:
            m, sd = value(key, col)
            text = f"{fmt(m, 1)} ± {fmt(sd, 1)}"
            if base is not None and key[0] in TRANSFER:
                ref = base["task_mean"] if col == "mean" else base["mean"][col]
                if np.isfinite(m) and m < ref - 1e-9:
                    text += " ↓"
            if np.isfinite(m) and m >= best[col] - 1e-9:
                text = f"**{text}**"
            cells.append(text)
        rows.append([key[0], key[1], *cells])
    return markdown_table(["method", "library", *columns], rows)


def results_text(report):
    """Everything the run prints after the grid: accuracy, fit time, KMM constraints, the
    issue's goal, notes, the run; from the report alone (a live one or its JSON)."""
    s, tasks = report["settings"], report["tasks"]
    seeds = report.get("seeds", s["seeds"])
    records = _common.nan_for_none(report["records"], NUMERIC)
    keys = _keys(records)
    summary = summarise(records, tasks, seeds, keys)
    out, emit = _common.text_lines()
    emit(
        f"## Target test accuracy (%), mean ± std over {len(seeds)} seed(s), "
        f"{s['labels_per_class']} labelled target rows per class\n"
    )
    emit(accuracy_table(summary, tasks, keys))
    emit(
        "\nBold: best in the column. ↓: a transfer method (pooled, TrAdaBoost, KMM) below "
        "source-only on that column (negative transfer). `mean`: the mean over the tasks "
        "of each seed, then mean ± std over the seeds.\n"
    )

    totals = _totals(records, keys)
    time_rows = [
        [k[0], k[1], fmt(total, 1), fmt(1000 * mean, 0), n]
        for k, (total, mean, n) in totals.items()
    ]
    emit("## Fit time (fit + predicting the test rows, wall clock, one process)\n")
    emit(markdown_table(["method", "library", "total s", "mean ms per fit", "fits"], time_rows))
    emit()
    for method in ("TrAdaBoost", "KMM"):
        ours = totals.get((method, "tlearn"), (None,))[0]
        for peer in PEER_LIBRARIES:
            theirs = totals.get((method, peer), (None,))[0]
            if ours and theirs:
                emit(
                    f"- {method}: tlearn / {peer} fit time = {ours / theirs:.2f} "
                    f"({peer} takes {fmt_ratio(theirs / ours)} tlearn's time)."
                )

    kmm_rows = []
    for key in keys:
        rs = [r for r in records if (r["method"], r["library"]) == key and "kmm_above_B" in r]
        if key[0] != "KMM" or not rs:
            continue
        kmm_rows.append(
            [
                key[1],
                f"{max(r['kmm_below_0'] for r in rs):.2g}",
                f"{max(r['kmm_above_B'] for r in rs):.2g}",
                f"{max(r['kmm_sum_band'] for r in rs):.2g}",
                fmt(max(r["kmm_max_weight"] for r in rs), 1),
                f"{min(r['kmm_sum_over_n'] for r in rs):.3f}–"
                f"{max(r['kmm_sum_over_n'] for r in rs):.3f}",
            ]
        )
    if kmm_rows:
        emit(
            f"\n## KMM weights against their constraints (B = {s['kmm_B']:g}), worst over "
            "all tasks and seeds\n"
        )
        emit(
            markdown_table(
                ["library", "max(-w)", "max(w - B)", "sum outside band", "largest w", "sum/n_s"],
                kmm_rows,
            )
        )

    # the goal, for each of tlearn's two variants
    ad = summary.get(("TrAdaBoost", "adapt"))
    to = summary[("target-only", "sklearn")]
    emit("\n## Goal: tlearn's TrAdaBoost beats ADAPT's and target-only\n")
    for method, hypothesis in (("TrAdaBoost", "label"), ("TrAdaBoost (proba)", "proba")):
        tl = summary.get((method, "tlearn"))
        if tl is None:
            continue
        wins_to = sum(tl["mean"][t] > to["mean"][t] for t in tasks)
        text = (
            f"- hypothesis='{hypothesis}': {tl['task_mean']:.2f}; vs target-only "
            f"{to['task_mean']:.2f} ({tl['task_mean'] - to['task_mean']:+.2f} points, better "
            f"on {wins_to} of {len(tasks)} tasks)"
        )
        if ad:
            wins_ad = sum(tl["mean"][t] > ad["mean"][t] for t in tasks)
            text += (
                f"; vs ADAPT {ad['task_mean']:.2f} ({tl['task_mean'] - ad['task_mean']:+.2f} "
                f"points, better on {wins_ad} of {len(tasks)} tasks)"
            )
        emit(text + ".")
    diag = [r for r in records if (r["method"], r["library"]) == ("TrAdaBoost", "tlearn")]
    if diag:
        unchanged = sum(bool(r.get("tradaboost_weights_unchanged")) for r in diag)
        zero = np.mean([r.get("tradaboost_zero_error_rounds", np.nan) for r in diag])
        emit(
            f"- tlearn's TrAdaBoost (hypothesis='label'): in {unchanged} of {len(diag)} fits "
            "no weight ever changed "
            f"(every round classified every labelled row, source and target, correctly: the "
            f"0/1 loss is 0 everywhere), so every round refits the pooled learner and the "
            f"vote equals `pooled`; rounds with zero target error: {zero:.1f} of "
            f"{s['n_estimators']} on average. hypothesis='proba' and ADAPT's variant use "
            "the loss 1 - p(true class) of predict_proba, which is positive even on "
            "correctly classified rows."
        )
    notes = {}
    for r in records:
        for m in r.get("warnings", []) + ([f"ERROR {r['error']}"] if r["error"] else []):
            where = f"{r['task']}/{r['seed']}"
            notes.setdefault((r["method"], r["library"]), {}).setdefault(m, []).append(where)
    if notes:
        emit("\nNotes (warnings and errors, with the task/seed where they occurred):\n")
        for (method, library), msgs in notes.items():
            for m, where in msgs.items():
                shown = ", ".join(where[:6]) + (
                    f", ... ({len(where)} fits)" if len(where) > 6 else ""
                )
                emit(f"- {method} / {library}: {m} [{shown}]")
    load = ", ".join(f"{x:.2f}" for x in report["machine"]["load_average"])
    emit(f"\nMachine load after the runs: load average: {load}.")
    if report.get("run"):
        emit(_common.run_line(report, len(records), "source C and KMM gamma"))
    return "".join(out)


def render(report):
    """The whole output of a run, from its report (``--render``)."""
    return header_text(report) + results_text(report)


# ============================================================================ files


def plot_report(report, path):
    """Accuracy per task and method (mean ± std over seeds) of a report, as a PNG."""
    plt = _common.pyplot()
    records = _common.nan_for_none(report["records"], NUMERIC)
    keys, tasks = _keys(records), report["tasks"]
    summary = summarise(records, tasks, report.get("seeds", report["settings"]["seeds"]), keys)
    columns = [*tasks, "mean"]
    series = []
    for k in keys:
        s = summary[k]
        values = [s["task_mean"] if c == "mean" else s["mean"][c] for c in columns]
        errors = [s["task_mean_std"] if c == "mean" else s["std"][c] for c in columns]
        series.append(
            (k[0] if k[1] in ("tlearn", "sklearn") else f"{k[0]} ({k[1]})", values, errors)
        )
    fig, ax = plt.subplots(figsize=(max(8.0, 0.9 * len(columns) + 3), 4.5), layout="constrained")
    K = report["settings"]["labels_per_class"]
    _common.errorbar_panel(
        ax,
        columns,
        series,
        "target test accuracy (%)",
        f"Office-Caltech-10 SURF, {K} labelled target rows per class (mean ± std over seeds)",
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)


def output_stem(args):
    """``--output``, else the script's name (``_quick`` unless 12 tasks and 5+ seeds)."""
    full = len(args.tasks) == len(TASKS) and len(args.seeds) >= len(SEEDS)
    return args.output or (BENCHMARK if full else f"{BENCHMARK}_quick")


# ============================================================================ main


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.render:
        sys.stdout.write(render(_cli.load_report(args.render, BENCHMARK)))
        return
    plan = prepare(argv)
    with _cli.grid_runner(args, by_value=(_cli, _common, _speed, _grid)) as runner:
        settle_seconds = settle(plan, runner)
        report = describe(plan)
        sys.stdout.write(header_text(report))
        sys.stdout.flush()
        records, grid_seconds = run_grid(plan, runner)
        info = {**runner.info, "settle_seconds": settle_seconds, "grid_seconds": grid_seconds}
    finish_report(report, records, info)
    sys.stdout.write(results_text(report))
    paths = _cli.write_outputs(
        report,
        output_stem(args),
        CSV_FIELDS,
        report["records"],
        plot_report,
        "instance_office_caltech.py",
    )
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
