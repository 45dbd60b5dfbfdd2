"""Unsupervised KMM on the 12 Amazon-reviews tasks (400-d), beside SKADA and ADAPT.

Protocol: the whole source domain is labelled, the whole target domain is
unlabelled in fit and is the test set. Preprocessing, fixed before any run:
every feature z-scored with the mean and standard deviation (``ddof=1``) of
the pooled source and target rows of the task (a feature constant there is
left at 0). The stored rows already sum to 1, and per-domain z-scoring is not
used because it would itself remove the shift of every feature's mean and
variance, which is part of what KMM is meant to correct; pooled statistics
keep the shift and put every feature on one scale for the rbf kernel.

Methods, with the same classifier (``LogisticRegression``, ``C`` from a 5-fold
cross-validation on the source rows of the task):

- source-only (``tlearn.baselines.SourceOnly``);
- tlearn KMM (``tlearn.instance.KMM``), rbf kernel;
- ``--peers``: SKADA's ``KMMReweight`` pipeline (``KMMReweightAdapter`` with its
  default Frank-Wolfe solver, then the classifier), ADAPT's ``KMM`` on one QP
  (``max_size`` = n_s) and ADAPT's ``KMM`` with its default ``max_size=1000``
  (the source rows split into independent batches); a peer that does not
  import is named ("Not run: ...") and the rest runs.

Every KMM gets the same kernel parameters: gamma from the median heuristic
(``tlearn.metrics.median_heuristic_gamma``, computed once per task and passed
to everyone), B (``--kmm-B``) and eps = (sqrt(n_s) - 1) / sqrt(n_s). The
weights of each library are checked against the constraints ``0 <= w <= B``
and ``|sum(w) - n_s| <= n_s eps``, and their exact squared MMD to the target
(the KMM objective up to a positive factor and a constant) is computed after
the fit. The KMMs then run a second time with a bound that binds
(``--check-B``, 5 by default; with B = 1000 no weight comes near the bound
here), to check that every solver enforces it.

The (B, task, method, library) grid runs on the shared runner
(``_grid.GridRunner``): ``--n-jobs N`` on N processes (joblib), ``--backend
dask`` on dask.distributed; every cell pins its BLAS to ``--blas-threads`` (1)
threads, so every backend gives the numbers of the sequential run. Fit times
(weights and classifier) are measured inside each cell (wall clock); with N
jobs on N busy cores they include the contention.

Usage::

    python benchmarks/kmm_amazon.py --peers    # 12 tasks, tlearn + SKADA + ADAPT
    python benchmarks/kmm_amazon.py --quick    # 2 tasks, 500 rows per domain (smoke run)
    python benchmarks/kmm_amazon.py --rows 300 --tasks B->D --kmm-B 100 --check-B 2
    python benchmarks/kmm_amazon.py --render saved.json    # re-print a saved run

Data: ``tlearn.datasets.fetch_amazon_review`` (``TLEARN_DATA_HOME``,
``TLEARN_DATA_MIRROR``); without the files the loader's message says which to
get and where to put them. Output: markdown tables on stdout, CSV, JSON and PNG
(accuracy and MMD per task and library) under ``benchmarks/results/``, a
progress bar on stderr.
"""

from __future__ import annotations

import argparse
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
    AMAZON_DOMAINS,
    AMAZON_TASKS,
    C_GRID,
    fmt,
    fmt_ratio,
    fmt_seconds,
    kmm_default_eps,
    kmm_mmd2,
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
from sklearn.linear_model import LogisticRegression  # noqa: E402

from tlearn import stack_domains  # noqa: E402
from tlearn.baselines import SourceOnly  # noqa: E402
from tlearn.instance import KMM  # noqa: E402
from tlearn.metrics import median_heuristic_gamma  # noqa: E402

BENCHMARK = "kmm_amazon"
TASKS = AMAZON_TASKS
QUICK_TASKS = ("B->D", "E->K")
QUICK_ROWS = 500

# (row name, library), in table order.
ROWS = (
    ("source-only", "tlearn"),
    ("KMM", "tlearn"),
    ("KMM", "skada"),
    ("KMM", "adapt"),
    ("KMM (max_size=1000)", "adapt"),
)
PEERS = ("skada", "adapt")
PEER_MODULES = {"skada": "skada", "adapt": "adapt.instance_based"}

PREPROCESSING = (
    "z-score every feature with the mean and std (ddof=1) of the pooled source + target rows "
    "of the task (constant features left at 0); rows as stored otherwise (they sum to 1)"
)
#: The record fields that are numbers (NaN in a run, null in its JSON).
NUMERIC = set(
    "accuracy fit_seconds below_0 above_B sum_band max_violation max_weight sum_over_n mmd2 "
    "mmd2_ratio mmd2_unweighted".split()
)
#: The CSV's columns (those of the script before the shared runner).
CSV_FIELDS = (
    "task method library accuracy fit_seconds C gamma B eps below_0 above_B sum_band "
    "max_violation max_weight sum_over_n mmd2 mmd2_ratio solver n_iter max_size error"
).split()

# ============================================================================ arguments


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick=f"smoke run (~10 s): only {', '.join(QUICK_TASKS)}, {QUICK_ROWS} rows per domain "
        "(seeded)",
        peers="also run SKADA's KMMReweight and ADAPT's KMM (one QP, and its default\n"
        "max_size=1000) where they are installed, with the same data and settings\n"
        "(a peer that does not import is named and skipped)",
        n_jobs_note="fit times are measured inside each cell: with N jobs on N busy cores\n"
        "they include the contention",
        epilog="optional packages: without matplotlib the CSV and JSON are written and one "
        "line says why\nthere is no PNG; without tqdm there is no progress bar.",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="subsample each domain to this many rows (seed 0)\n"
        f"(default: all, {QUICK_ROWS} with --quick)",
    )
    parser.add_argument(
        "--tasks",
        help="comma-separated tasks, e.g. B->D,K->E\n(default: all 12; overrides --quick)",
    )
    parser.add_argument(
        "--kmm-B", type=float, default=1000.0, help="upper bound B of the KMM weights"
    )
    # the spelling of this script before the shared runner (instance_office_caltech.py's
    # is --kmm-B), still read
    parser.add_argument(
        "--B", dest="kmm_B", type=float, default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--check-B",
        type=float,
        default=5.0,
        help="a second, binding bound: the KMMs are run again with it to check that each\n"
        "solver enforces B (0 to skip)",
    )
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.tasks:
        args.tasks = list(parse_choice(args.tasks, TASKS, parser, "tasks"))
    else:
        args.tasks = list(QUICK_TASKS if args.quick else TASKS)
    if args.rows is not None and args.rows < 2:
        parser.error("--rows must be at least 2")
    args.rows = args.rows or (QUICK_ROWS if args.quick else None)
    if args.kmm_B <= 0:
        parser.error("--kmm-B must be positive")
    if args.check_B < 0:
        parser.error("--check-B must be positive (or 0 to skip the bound check)")
    return _cli.finish(parser, args)


# ============================================================================ plan and run


def make_cells(tasks, peers, B, check_B):
    """The grid: every row on every task with ``B``, then the KMMs again with ``check_B``."""
    keys = [k for k in ROWS if k[1] == "tlearn" or k[1] in peers]
    cells = [{"B": B, "task": t, "method": m, "library": lib} for t in tasks for m, lib in keys]
    if check_B:
        cells += [
            {"B": check_B, "task": t, "method": m, "library": lib}
            for t in tasks
            for m, lib in keys
            if m != "source-only"
        ]
    return cells


def settings_from(args):
    return {
        "preprocessing": PREPROCESSING,
        "classifier": "LogisticRegression(C=C[task], max_iter=1000)",
        "kernel": "rbf",
        "gamma": "median heuristic per task (tlearn's median_heuristic_gamma over the pooled "
        "preprocessed source + target rows, 1,000-row subsample seeded 0), passed to every "
        "library",
        "B": args.kmm_B,
        "eps": "(sqrt(n_s) - 1) / sqrt(n_s), passed to every library",
        "check_B": f"every KMM is run a second time with B = {args.check_B:g}, a bound that "
        "binds here (with B = 1000 the largest weight is about 30), to check that each "
        "solver enforces it; a check of the solvers, not a tuned setting",
        "blas_threads": args.blas_threads,
        "sources": {
            "C": "5-fold stratified CV on the task's (preprocessed) source rows, grid "
            f"{', '.join(f'{c:g}' for c in C_GRID)}, ties to the smaller C; the same C for "
            "source-only and every KMM; no target label is used",
            "kmm": "rbf kernel with the median heuristic (tlearn's default); B = 1000 and "
            "eps = (sqrt(n_s) - 1) / sqrt(n_s): Huang et al.'s values and the defaults of "
            "tlearn, SKADA and ADAPT",
        },
        "translation": {
            "tlearn": "KMM(clf, kernel='rbf', gamma, B, eps, random_state=0); default solver "
            "(GPCG on the exact kernel up to 5,000 source rows)",
            "skada": "KMMReweight(clf.set_fit_request(sample_weight=True), kernel='rbf', "
            "gamma, B, eps): KMMReweightAdapter + classifier in a SKADA pipeline; defaults "
            "otherwise (solver='frank-wolfe', max_iter=1000). Same QP: kappa = n_s * mean_j "
            "k(xs_i, xt_j), band A = [1; -1], b = [n_s (1 + eps), -n_s (1 - eps)], ub = B "
            "(which the Frank-Wolfe solver does not use)",
            "adapt": "KMM(clf, Xt=Xt, kernel='rbf', gamma, B, eps, max_size=n_s, verbose=0, "
            "random_state=0): one cvxopt QP with the same kappa, band h = [n_s (1 + eps), "
            "n_s (eps - 1)] and box [0, B] (cvxopt's default tolerances, max_iter=100)",
            "adapt max_size=1000": "the same with ADAPT's default max_size=1000: n_s > 1000, "
            "so the source rows are shuffled and split into 2^k batches of at most 1000 "
            "rows, each matched to the whole target with its own QP (a different problem)",
        },
    }


def prepare(argv=None):
    """Parse the arguments, load and preprocess the data, import the peers: the plan."""
    args = parse_args(argv)
    try:
        payloads, data_info = _suite.load_tasks("amazon-review", args.tasks, rows=args.rows)
    except _suite.NoData as exc:  # the loader's message names the files and where they go
        sys.exit(f"error: Amazon reviews is not available: {exc}")
    peers, missing = _common.peers_that_import(PEER_MODULES) if args.peers else ([], {})
    return {
        "args": args,
        "payloads": payloads,
        "data_info": data_info,
        "settings": settings_from(args),
        "peers": peers,
        "peers_missing": missing,
        "cells": make_cells(args.tasks, peers, args.kmm_B, args.check_B),
        "load_before": list(os.getloadavg()),
    }


def execute(plan, runner):
    """The C, gamma and eps of every task, then the grid; ``(records, per_task, run info)``."""
    args, payloads, settings = plan["args"], plan["payloads"], plan["settings"]
    start = time.perf_counter()
    chosen = runner.map(
        _common.choose_C_cell,
        [{"task": t} for t in args.tasks],
        payloads,
        lambda c: c["task"],
        settings,
        desc="source C",
    )
    per_task = {}
    with blas_limits(args.blas_threads):
        for task, c in zip(args.tasks, chosen):
            p = payloads[task]
            per_task[task] = {
                "C": c["C"],
                "C_cv_scores": c["C_cv_scores"],
                "gamma": median_heuristic_gamma(np.vstack([p["Xs"], p["Xt"]]), random_state=0),
                "eps": kmm_default_eps(p["Xs"].shape[0]),
                "n_s": len(p["Xs"]),
                "n_t": len(p["Xt"]),
            }
            p.update({k: per_task[task][k] for k in ("C", "gamma", "eps")})
    settle_seconds = time.perf_counter() - start
    records, grid_seconds = _grid.timed_map(
        runner, run_cell, plan["cells"], payloads, lambda c: c["task"], settings, desc="grid"
    )
    for r in records:  # the same for every weight vector of the task
        if r.get("mmd2_unweighted") is not None:
            per_task[r["task"]]["mmd2_unweighted"] = r["mmd2_unweighted"]
    info = {**runner.info, "settle_seconds": settle_seconds, "grid_seconds": grid_seconds}
    return records, per_task, info


# ============================================================================ one cell


def fit_one(name, library, Xs, ys, Xt, C, kmm, peer=None):
    """Fit one row's model; returns ``(predict function, source weights or None, info)``.

    ``peer``: the module of a peer's row (imported before the clock starts)."""
    clf = LogisticRegression(C=C, max_iter=1000)
    X, y, sample_domain = stack_domains(Xs, ys, Xt)
    if name == "source-only":
        model = SourceOnly(clf).fit(X, y, sample_domain=sample_domain)
        return model.predict, None, {}
    params = {"gamma": kmm["gamma"], "B": kmm["B"], "eps": kmm["eps"]}
    if library == "tlearn":
        ours = {"gamma": kmm["gamma"], "max_weight": kmm["B"], "eps": kmm["eps"]}
        model = KMM(clf, kernel="rbf", random_state=0, **ours)
        model.fit(X, y, sample_domain=sample_domain)
        info = {"solver": model.solver_, "n_iter": int(model.n_iter_)}
        return model.predict, model.weights_, info
    if library == "skada":
        pipe = peer.KMMReweight(clf.set_fit_request(sample_weight=True), kernel="rbf", **params)
        pipe.fit(X, y, sample_domain=sample_domain)
        weights = pipe.steps[0][1].base_estimator_.source_weights_
        return pipe.predict, weights, {"solver": "frank-wolfe"}
    max_size = Xs.shape[0] if name == "KMM" else 1000
    model = peer.KMM(
        clf, Xt=Xt, kernel="rbf", max_size=max_size, verbose=0, random_state=0, **params
    )
    model.fit(Xs, ys)
    return (lambda Z: model.predict(Z, domain="tgt")), model.weights_, {"max_size": max_size}


def run_cell(cell, payload, settings):
    """Fit and score one (B, task, method, library) cell: accuracy on the whole target,
    fit time, and the weights against their constraints and their MMD to the target.

    The BLAS/OpenMP pools are pinned to ``settings["blas_threads"]``; a failure (e.g. of a
    peer) is a result: ``error`` holds it.
    """
    Xs, ys, Xt, yt = (payload[k] for k in ("Xs", "ys", "Xt", "yt"))
    name, library, B, C = cell["method"], cell["library"], cell["B"], payload["C"]
    kmm = {"gamma": payload["gamma"], "B": B, "eps": payload["eps"]}
    record = {"task": cell["task"], "method": name, "library": library, "C": C, **kmm}
    with blas_limits(settings["blas_threads"]), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            peer = None if library == "tlearn" else importlib.import_module(PEER_MODULES[library])
            start = time.perf_counter()
            predict, weights, info = fit_one(name, library, Xs, ys, Xt, C, kmm, peer)
            record["fit_seconds"] = time.perf_counter() - start
            record["accuracy"] = 100.0 * float(np.mean(predict(Xt) == yt))
            record.update(info)
            if weights is not None:
                weights = np.asarray(weights, dtype=np.float64).ravel()
                record.update(kmm_violation(weights, B, kmm["eps"]))
                mmd2, mmd2_unweighted = kmm_mmd2(Xs, Xt, weights, kmm["gamma"])
                record["mmd2"] = mmd2
                record["mmd2_ratio"] = mmd2 / mmd2_unweighted
                record["mmd2_unweighted"] = mmd2_unweighted
            record["error"] = None
        except Exception as exc:  # a peer failing on a task is a result, not a crash
            record.update(
                accuracy=float("nan"),
                fit_seconds=float("nan"),
                error=f"{type(exc).__name__}: {exc}",
            )
    record["warnings"] = warning_lines(caught)
    return record


# ============================================================================ the report


def describe(plan):
    """What the JSON report says of a run before any fit: data, settings, peers."""
    args = plan["args"]
    return {
        "benchmark": BENCHMARK,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _cli.command_as_typed(),
        "tasks": list(args.tasks),
        "quick": args.quick,
        "rows_per_domain": args.rows,
        "data": plan["data_info"],
        "settings": plan["settings"],
        "peers": plan["peers"],
        "peers_not_run": plan["peers_missing"],
        "B": args.kmm_B,
        "check_B": args.check_B,
        "load_before": plan["load_before"],
    }


def notes_of(records):
    """``{f"{B:g}": {"method / library": {warning: [tasks]}}}`` (the report's ``notes``)."""
    notes = {}
    for r in records:
        for m in r.get("warnings", []):
            label = f"{r['method']} / {r['library']}"
            by_B = notes.setdefault(f"{r['B']:g}", {})
            by_B.setdefault(label, {}).setdefault(m, []).append(r["task"])
    return notes


def finish_report(report, records, per_task, info):
    """``report`` (from :func:`describe`) with the results of the run added."""
    notes = {f"{report['B']:g}": {}}
    if report["check_B"]:
        notes[f"{report['check_B']:g}"] = {}
    for B, by_label in notes_of(records).items():
        notes[B] = by_label
    report.update(
        run=info,
        per_task=per_task,
        versions=package_versions(
            (*_common.DEFAULT_PACKAGES, "joblib", "dask", "distributed", "tqdm", "matplotlib")
        ),
        machine=machine_info(),
        notes=notes,
        records=records,
    )
    return report


def _peers(report):
    peers = report.get("peers")
    if peers is None:  # a report of the script before the shared runner
        peers = {r["library"] for r in report["records"]} - {"tlearn"}
    return [p for p in PEERS if p in peers]


def header_text(report):
    """The header: tasks, libraries, data, preprocessing and every setting."""
    s, tasks, peers = report["settings"], report["tasks"], _peers(report)
    out, emit = _common.text_lines()
    emit("# Unsupervised KMM on Amazon reviews (400-d)\n")
    names = ", ".join(f"{k} = {v}" for k, v in AMAZON_DOMAINS.items())
    emit(f"Tasks: {', '.join(tasks)} ({len(tasks)} of 12; {names}).")
    emit(f"Libraries: {', '.join(['tlearn', *peers])}.")
    rows = report["rows_per_domain"]
    if rows:
        emit(f"Subsampled: {rows} rows per domain (seed 0); not the benchmark's figures.")
    for name, why in report.get("peers_not_run", {}).items():
        emit(f"Not run: {name} ({why}).")
    emit(f"\nPreprocessing (fixed a priori): {s['preprocessing']}.")
    emit("\nSettings (fixed before the runs, never tuned on target labels):\n")
    emit(f"- Classifier: {s['classifier']}. C: {s['sources']['C']}.")
    emit(
        f"- KMM: kernel rbf, gamma = {s['gamma']}; B = {report['B']:g}; eps = "
        f"{s['eps']}. Source: {s['sources']['kmm']}."
    )
    if report["check_B"]:
        emit(f"- Bound check: {s['check_B']}")
    emit("\nThe same settings in each library:\n")
    for lib, text in s["translation"].items():
        if lib == "tlearn" or lib.split()[0] in peers:
            emit(f"- {lib}: {text}.")
    if report.get("load_before"):
        load = ", ".join(f"{x:.2f}" for x in report["load_before"])
        emit(f"\nMachine load before the runs: load average: {load}.\n")
    return "".join(out)


def tables_text(records, notes, tasks, keys, B):
    """The accuracy table, the time / constraints / MMD table and the summary for one B."""
    out, emit = _common.text_lines()

    def rec(key, task):
        return next(r for r in records if (r["method"], r["library"]) == key and r["task"] == task)

    base = ("source-only", "tlearn")
    has_base = base in keys
    acc_rows, means = [], {}
    for key in keys:
        means[key] = float(np.mean([rec(key, t)["accuracy"] for t in tasks]))
    best_mean = max(means.values())
    for key in keys:
        cells = []
        for t in tasks:
            v = rec(key, t)["accuracy"]
            best = max(rec(k, t)["accuracy"] for k in keys)
            text = fmt(v)
            if has_base and key != base and v < rec(base, t)["accuracy"] - 1e-9:
                text += " ↓"
            cells.append(f"**{text}**" if np.isfinite(v) and v >= best - 1e-9 else text)
        text = fmt(means[key])
        if has_base and key != base and means[key] < means[base] - 1e-9:
            text += " ↓"
        cells.append(f"**{text}**" if means[key] >= best_mean - 1e-9 else text)
        acc_rows.append([key[0], key[1], *cells])
    emit(f"### Target accuracy (%), whole target domain (B = {B:g})\n")
    emit(markdown_table(["method", "library", *tasks, "mean"], acc_rows))
    emit("\nBold: best in the column; ↓: below source-only (negative transfer).\n")

    ours = ("KMM", "tlearn")
    rows = []
    for key in keys:
        rs = [rec(key, t) for t in tasks]
        is_kmm = key[0] != "source-only"
        ratio = [r["fit_seconds"] / rec(ours, r["task"])["fit_seconds"] for r in rs]
        rows.append(
            [
                key[0],
                key[1],
                fmt_seconds(float(np.sum([r["fit_seconds"] for r in rs]))),
                fmt_seconds(float(np.median([r["fit_seconds"] for r in rs]))),
                fmt_ratio(float(np.median(ratio))) if key != ours and is_kmm else "—",
                f"{max(r.get('below_0', 0) for r in rs):.2g}" if is_kmm else "",
                f"{max(r.get('above_B', 0) for r in rs):.4g}" if is_kmm else "",
                f"{max(r.get('sum_band', 0) for r in rs):.2g}" if is_kmm else "",
                fmt(max(r.get("max_weight", np.nan) for r in rs), 2) if is_kmm else "",
                fmt(float(np.mean([r.get("mmd2_ratio", np.nan) for r in rs])), 4)
                if is_kmm
                else "1 (w = 1)",
            ]
        )
    emit(f"### Fit time, weights against their constraints, MMD (B = {B:g})\n")
    header = [
        "method",
        "library",
        "total fit s",
        "median s / task",
        "median time / tlearn's",
        "max(-w)",
        "max(w - B)",
        "sum outside band",
        "largest w",
        "MMD² / MMD²(w=1), mean",
    ]
    emit(markdown_table(header, rows))
    emit(
        "\nFit time: weights and classifier, one process, wall clock (each task's time over "
        "tlearn KMM's, median over the tasks). Constraint columns: the worst over the tasks "
        "(0 = satisfied; `sum outside band` is |sum(w) - n_s| - n_s eps when positive). "
        "MMD²: exact squared MMD between the weighted source and the target under the rbf "
        "kernel (lower is better; the KMM objective up to a factor and a constant), relative "
        "to the unweighted source, mean over the tasks.\n"
    )
    if has_base:
        for key in keys:
            if key == base:
                continue
            n = sum(rec(key, t)["accuracy"] > rec(base, t)["accuracy"] for t in tasks)
            emit(
                f"- {key[0]} / {key[1]}: mean {means[key]:.2f} vs source-only "
                f"{means[base]:.2f} ({means[key] - means[base]:+.2f}); above source-only on "
                f"{n} of {len(tasks)} tasks."
            )
    if notes:
        emit("\nWarnings and errors, with the tasks where they occurred:\n")
        for label, msgs in notes.items():
            for m, where in msgs.items():
                emit(f"- {label}: {m} [{', '.join(where)}]")
    for r in records:
        if r.get("error"):
            emit(f"- {r['method']} / {r['library']} / {r['task']}: ERROR {r['error']}")
    emit()
    return "".join(out)


def results_text(report):
    """Every table of a run: per-task settings, the protocol's B, and the bound check;
    from the report alone (a live one or its JSON)."""
    per_task, tasks = report["per_task"], report["tasks"]
    B, check_B = report.get("B", 1000.0), report.get("check_B", 5.0)
    records = _common.nan_for_none(report["records"], NUMERIC)
    notes = report.get("notes", {})
    out, emit = _common.text_lines()
    emit("## Per-task settings\n")
    emit(
        markdown_table(
            ["task", "n_s", "n_t", "C (source CV)", "gamma (median heuristic)", "eps"],
            [
                [t, p["n_s"], p["n_t"], f"{p['C']:g}", f"{p['gamma']:.4g}", f"{p['eps']:.4f}"]
                for t, p in per_task.items()
            ],
        )
    )
    present = {(r["method"], r["library"]) for r in records}
    keys = [k for k in ROWS if k in present]
    main_records = [r for r in records if r["B"] == B]
    emit(f"\n## KMM with B = {B:g} (the protocol)\n")
    out.append(tables_text(main_records, notes.get(f"{B:g}", {}), tasks, keys, B))
    if check_B:
        # the source-only rows (no B) of the protocol's run, for the comparison
        base = [r for r in main_records if r["method"] == "source-only"]
        check = [r for r in records if r["B"] == check_B and r["method"] != "source-only"]
        emit(f"## Bound check: the KMMs again with B = {check_B:g}\n")
        out.append(tables_text(base + check, notes.get(f"{check_B:g}", {}), tasks, keys, check_B))
    load = ", ".join(f"{x:.2f}" for x in report["machine"]["load_average"])
    emit(f"Machine load after the runs: load average: {load}.")
    if report.get("run"):
        emit(_common.run_line(report, len(records), "source C and gamma"))
    return "".join(out)


def render(report):
    """The whole output of a run, from its report (``--render``)."""
    return header_text(report) + results_text(report)


# ============================================================================ files


def plot_report(report, path):
    """Accuracy and MMD² / MMD²(w=1) per task and library at the protocol's B, as a PNG."""
    plt = _common.pyplot()
    records = _common.nan_for_none(report["records"], NUMERIC)
    tasks, B = report["tasks"], report.get("B", 1000.0)
    present = {(r["method"], r["library"]) for r in records}
    keys = [k for k in ROWS if k in present]
    columns = [*tasks, "mean"]

    def series(field, wanted):
        out = []
        for key in wanted:
            by_task = {
                r["task"]: r.get(field, np.nan)
                for r in records
                if (r["method"], r["library"]) == key and r["B"] == B
            }
            values = [by_task.get(t, np.nan) for t in tasks]
            label = key[0] if key[1] == "tlearn" else f"{key[0]} ({key[1]})"
            out.append((label, [*values, float(np.mean(values))], None))
        return out

    fig, axes = plt.subplots(
        2, 1, figsize=(max(8.0, 0.9 * len(columns) + 3), 8.0), layout="constrained"
    )
    _common.errorbar_panel(
        axes[0], columns, series("accuracy", keys), "target accuracy (%)", "whole target domain"
    )
    _common.errorbar_panel(
        axes[1],
        columns,
        series("mmd2_ratio", [k for k in keys if k[0] != "source-only"]),
        "MMD² / MMD²(w = 1)",
        "squared MMD of the weighted source to the target (lower: closer)",
    )
    fig.suptitle(f"KMM on Amazon reviews (400-d), B = {B:g}")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def output_stem(args):
    """``--output``, else the script's name (``_quick`` unless 12 tasks with every row)."""
    full = len(args.tasks) == len(TASKS) and not args.rows
    return args.output or (BENCHMARK if full else f"{BENCHMARK}_quick")


# ============================================================================ main


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.render:
        sys.stdout.write(render(_cli.load_report(args.render, BENCHMARK)))
        return
    plan = prepare(argv)
    report = describe(plan)
    sys.stdout.write(header_text(report))
    sys.stdout.flush()
    with _cli.grid_runner(args, by_value=(_cli, _common, _speed, _grid)) as runner:
        records, per_task, info = execute(plan, runner)
    finish_report(report, records, per_task, info)
    sys.stdout.write(results_text(report))
    paths = _cli.write_outputs(
        report, output_stem(args), CSV_FIELDS, report["records"], plot_report, "kmm_amazon.py"
    )
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
