"""Every tlearn method on every task of Office-31 (or Office-Caltech-10, Amazon, synthetic).

The first benchmark to run. It loads the data through ``tlearn.datasets``
(Office-31 SURF-800 by default, ``--feature decaf`` for DeCAF; or
``--dataset office-caltech10 | amazon-review | synthetic``), applies the data
set's standard preprocessing, and fits every method on every task (6 tasks for
Office-31, 12 for the others) beside the baselines, under two protocols:

- unsupervised (the method needs no target label): source-only, TCA (linear
  kernel), subspace alignment (SA), CORAL, KMM and ``TransferGuard`` (which picks
  among the unsupervised methods, or source-only, without target labels). The
  whole source domain is labelled, the whole target domain is unlabelled in
  ``fit`` and is the test set;
- few labels (``--labels-per-class K``, 3 by default, drawn by each of
  ``--seeds``, 0..4 by default): source-only, target-only, pooled, TrAdaBoost
  (with its default 0/1 loss, and with ``hypothesis="proba"``)
  and the shared-prior logistic regression (``SharedPriorLogisticRegression``,
  its ``reg`` chosen by cross-validation inside the labelled target rows). The
  other target rows are the test rows; their features are unlabelled target rows
  in ``fit``, their labels only score.

Every method uses the same base learner, ``LogisticRegression(C)``, with ``C``
from a cross-validation on the source rows alone. Every other hyper-parameter
is fixed in advance (printed at the top of the output with its source) or chosen
without any target test label (the output says how).

Output: a markdown table on stdout (methods x tasks, mean ± std over the seeds,
the best of each column in bold, every transfer method below source-only
marked ↓, negative transfer), and CSV, JSON (every setting, package versions,
every fit) and PNG (accuracy per task and method) files under
``benchmarks/results/``; a progress bar on stderr.

``--peers`` runs the same methods from SKADA and ADAPT where they are
installed, with the same data, splits and settings, side by side (accuracy and
fit-time ratios). ``--n-jobs N`` runs the (task, method, seed) grid on N
processes through joblib; ``--backend dask`` runs it on dask.distributed (a
``LocalCluster`` of N processes, or the cluster of ``--scheduler ADDRESS``).
Every cell depends only on its task, method and seed, and runs with its BLAS
pinned to ``--blas-threads`` (1) threads, so every backend gives the numbers of
the sequential run. Fit times are measured inside each cell (wall clock); with
N jobs on N busy cores they include the contention.

Usage::

    python benchmarks/office31.py                              # Office-31 SURF, 6 tasks
    python benchmarks/office31.py --feature decaf              # Office-31 DeCAF (fc8)
    python benchmarks/office31.py --dataset office-caltech10 --n-jobs 2 --peers
    python benchmarks/office31.py --dataset synthetic --quick  # no download, ~10 s
    python benchmarks/office31.py --dataset amazon-review --backend dask --n-jobs 2

Data: ``tlearn.datasets`` reads ``TLEARN_DATA_HOME`` (where the files live,
``~/tlearn_data`` by default) and ``TLEARN_DATA_MIRROR`` (a copy to download
from). Offline, the default run (no ``--dataset``) says in one line that
Office-31 cannot be fetched and where its file goes, then runs on the
Office-Caltech-10 SURF copy shipped with tlearn
(``tlearn.datasets.load_office_caltech10``), labelled as such in the header,
the table titles, the file names (``office31_office-caltech10_offline-fallback*``)
and the JSON (``"dataset": "office-caltech10"``, ``"fallback_from": "office31"``,
``"fallback_reason"``). An explicit ``--dataset office31`` (or ``--feature decaf``)
that cannot be had says which files to get and where to put them, and exits
with status 1. ``--dataset office-caltech10`` reads the data home (or
downloads), else the shipped copy; the header says which.

Optional packages: without matplotlib the CSV and JSON are written and one
line says why there is no PNG; without tqdm there is no progress bar.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported by path (the test) rather than run
    sys.path.insert(0, str(HERE))

import _cli  # noqa: E402
import _common  # noqa: E402
import _grid  # noqa: E402
import _suite  # noqa: E402
from _common import (  # noqa: E402
    RESULTS_DIR,
    fmt,
    fmt_ratio,
    fmt_seconds,
    machine_info,
    markdown_table,
    package_versions,
    parse_choice,
    quiet_tensorflow,
)

quiet_tensorflow()

import numpy as np  # noqa: E402

QUICK_TASKS = {
    "office31": ("W->D",),
    "office-caltech10": ("A->D", "D->W", "W->C"),
    "amazon-review": ("B->D", "E->K"),
    "synthetic": ("cov-2", "sub-1"),
}
QUICK_SEEDS = (0, 1)
QUICK_ROWS = {"amazon-review": 500}  # rows per domain (seeded subsample) with --quick
QUICK_SYNTHETIC_N = 100

LABELS = {
    "source-only": "source-only",
    "TCA": "TCA (linear)",
    "SA": "SA",
    "CORAL": "CORAL",
    "KMM": "KMM",
    "guard": "TransferGuard",
    "target-only": "target-only",
    "pooled": "pooled",
    "TrAdaBoost": "TrAdaBoost",
    "TrAdaBoost (proba)": "TrAdaBoost (proba)",
    "shared prior": "SharedPriorLogisticRegression",
}
PROTOCOLS = {"unsupervised": _suite.UNSUPERVISED, "few-label": _suite.FEW_LABEL}

#: Published 12-task means on Office-Caltech-10 SURF, as feature_office_caltech.py states
#: them: (method, classifier) -> (mean, source). Their classifiers differ from ours.
PUBLISHED_OFFICE_CALTECH = {
    ("source-only", "1-NN"): (31.37, "NN baseline, Long et al. ICCV 2013 (JDA)"),
    ("TCA", "1-NN"): (43.6, "TCA + 1-NN, Long et al. ICCV 2013 (JDA)"),
    ("SA", "1-NN"): (44.7, "SA + 1-NN, cited with Long et al. ICCV 2013"),
    ("CORAL", "linear SVM"): (48.8, "CORAL + linear SVM, Sun et al. AAAI 2016"),
}


#: The default stem of the files of a run that fell back to the shipped Office-Caltech-10.
FALLBACK_STEM = "office31_office-caltech10_offline-fallback"

EPILOG = """\
offline: with no --dataset, a run that cannot fetch Office-31 says so in one line (where
to put the file, or TLEARN_DATA_MIRROR) and runs on the Office-Caltech-10 SURF copy shipped
with tlearn, labelled in the header, the table titles, the file names
(office31_office-caltech10_offline-fallback*) and the JSON ("fallback_from": "office31").
An explicit --dataset office31 (or --feature decaf) never falls back: it lists the files
to get and exits with status 1. --dataset synthetic needs no data file at all.

optional packages: without matplotlib the CSV and JSON are written and one line says why
there is no PNG; without tqdm there is no progress bar (python -m pip install -e
".[benchmarks]" installs both)."""


# ============================================================================ arguments


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick="smoke run (< 1 min): 1 to 3 tasks, seeds 0,1, small domains (Amazon 500 "
        f"rows, synthetic {QUICK_SYNTHETIC_N})",
        n_jobs_note="fit times are measured inside each cell: with N jobs on N busy cores "
        "they include the contention",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--dataset",
        choices=_suite.DATASETS,
        default=None,
        help="data set (default office31; synthetic needs no download). With no --dataset,\n"
        "when Office-31 cannot be downloaded the run says so in one line and uses the\n"
        "Office-Caltech-10 SURF copy shipped with tlearn, labelled as such (header, table\n"
        "titles, file names, JSON); an explicit --dataset office31 that cannot be had\n"
        "does not fall back: it says which file to get and where to put it, and exits 1.\n"
        "office-caltech10 uses the data home or a download, else the shipped copy (the\n"
        "header says which)",
    )
    parser.add_argument(
        "--feature", choices=("surf", "decaf"), default="surf", help="Office-31 features"
    )
    parser.add_argument(
        "--decaf-layer",
        default="fc8",
        help="array read from each DeCAF file (fc8 is the layer known to be in the "
        "published\narchive; e.g. fc7 if present)",
    )
    parser.add_argument(
        "--tasks", help="comma-separated subset of the tasks (default: all; overrides --quick)"
    )
    parser.add_argument(
        "--labels-per-class", type=int, default=3, help="K labelled target rows per class"
    )
    parser.add_argument(
        "--seeds", help="comma-separated seeds of the few-label draws (default 0,1,2,3,4)"
    )
    parser.add_argument(
        "--rows", type=int, help="subsample every domain to this many rows (default: all)"
    )
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)

    args.dataset_given = args.dataset is not None
    if args.dataset is None:
        args.dataset = "office31"
    args.fallback = None  # set by main() when office31 falls back to the shipped data
    tasks_all = _suite.TASKS[args.dataset]
    if args.tasks:
        args.tasks = parse_choice(args.tasks, tasks_all, parser, "tasks")
    else:
        args.tasks = QUICK_TASKS[args.dataset] if args.quick else tasks_all
    if args.seeds:
        try:
            args.seeds = [int(s) for s in args.seeds.split(",")]
        except ValueError:
            parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    else:
        args.seeds = list(QUICK_SEEDS if args.quick else range(5))
    if args.labels_per_class < 1:
        parser.error("--labels-per-class must be at least 1")
    _cli.finish(parser, args)
    if args.rows is None and args.quick:
        args.rows = QUICK_ROWS.get(args.dataset)
    args.n_synthetic = QUICK_SYNTHETIC_N if args.quick else None
    if args.dataset != "office31" and args.feature != "surf":
        parser.error("--feature applies to --dataset office31 only")
    return args


# ============================================================================ plan and run


def import_peers():
    """``(available, {peer: why not})``: the peers that import here."""
    import importlib

    available, missing = [], {}
    for peer in ("skada", "adapt"):
        try:
            importlib.import_module(_suite.PEER_MODULES[peer])
            available.append(peer)
        except Exception as exc:  # any import failure: report it, run the rest
            missing[peer] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return available, missing


def c_key(dataset, task):
    """What the source C depends on: the source domain (Office, per-domain preprocessing)
    or the task (Amazon's pooled preprocessing, synthetic tasks)."""
    return task[0] if dataset in ("office31", "office-caltech10") else task


def prepare(argv=None, office_caltech="auto"):
    """Parse the arguments and load the data; the plan of a run.

    ``office_caltech``: ``"auto"`` (the data home or a download, else the copy shipped
    with tlearn) or ``"shipped"``, for Office-Caltech-10. Raises :class:`_suite.NoData`
    when the data set cannot be loaded.
    """
    args = parse_args(argv)
    payloads, data_info = _suite.load_tasks(
        args.dataset,
        args.tasks,
        feature=args.feature,
        decaf_layer=args.decaf_layer,
        rows=args.rows,
        n_synthetic=args.n_synthetic,
        office_caltech=office_caltech,
    )
    peers, missing = import_peers() if args.peers else ([], {})
    settings = _suite.default_settings(args.labels_per_class, args.seeds, args.blas_threads or None)
    cells = _suite.make_cells(args.tasks, args.seeds, peers)
    return {
        "args": args,
        "payloads": payloads,
        "data_info": data_info,
        "settings": settings,
        "peers": peers,
        "peers_missing": missing,
        "cells": cells,
    }


def execute(plan, *, n_jobs=None, backend=None, scheduler=None, progress=None):
    """Run the plan: the source C of every task, then the grid. ``(records, run info)``.

    The keyword arguments override the command line's; records come in the order
    of ``plan["cells"]``.
    """
    args = plan["args"]
    n_jobs = args.n_jobs if n_jobs is None else n_jobs
    backend = args.backend if backend is None else backend
    scheduler = args.scheduler if scheduler is None else scheduler
    if scheduler:
        backend = "dask"
    progress = (not args.no_progress) if progress is None else progress
    payloads, settings = plan["payloads"], plan["settings"]

    keys = sorted({c_key(args.dataset, t) for t in args.tasks})
    first_task = {k: next(t for t in args.tasks if c_key(args.dataset, t) == k) for k in keys}
    c_payloads = {
        k: {"Xs": payloads[t]["Xs"], "ys": payloads[t]["ys"]} for k, t in first_task.items()
    }
    runner = _grid.GridRunner(
        n_jobs=n_jobs,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
        by_value=(_suite, _common),
    )
    with runner:
        c_cells = [{"key": k} for k in keys]
        chosen, c_seconds = _grid.timed_map(
            runner,
            _suite.source_C_cell,
            c_cells,
            c_payloads,
            lambda c: c["key"],
            settings,
            desc=f"{args.dataset}: source C",
        )
        C_by_key = dict(zip(keys, chosen))
        grid_payloads = {
            t: {**payloads[t], "C": C_by_key[c_key(args.dataset, t)]["C"]} for t in args.tasks
        }
        records, seconds = _grid.timed_map(
            runner,
            _suite.run_cell,
            plan["cells"],
            grid_payloads,
            lambda c: c["task"],
            settings,
            desc=f"{args.dataset}: grid",
        )
        info = dict(runner.info)
    info.update(source_C_seconds=c_seconds, grid_seconds=seconds, C_by_key=C_by_key)
    return records, info


# ============================================================================ summaries


def _ddof(n):
    return 1 if n > 1 else 0


def summarise(records, tasks, seeds):
    """Per (protocol, method, library): per-task mean / std over seeds, and the task mean.

    Few-label ``mean``: the mean over the tasks of each seed, then mean ± std over the
    seeds; unsupervised (one fit per task): the mean over the tasks.
    """
    acc, secs = {}, {}
    for r in records:
        k = (r["protocol"], r["method"], r["library"])
        acc.setdefault(k, {})[(r["task"], r["seed"])] = r["accuracy"]
        secs.setdefault(k, []).append(r["fit_seconds"])
    out = {}
    for k, values in acc.items():
        runs = [None] if k[0] == "unsupervised" else list(seeds)
        table = np.array([[values.get((t, s), np.nan) for s in runs] for t in tasks], float)
        per_seed = table.mean(axis=0)
        out[k] = {
            "per_task_mean": dict(zip(tasks, table.mean(axis=1))),
            "per_task_std": dict(zip(tasks, table.std(axis=1, ddof=_ddof(len(runs))))),
            "mean": float(per_seed.mean()),
            "mean_std": float(per_seed.std(ddof=_ddof(len(runs)))),
            "runs": len(runs),
            "fit_seconds_total": float(np.nansum(secs[k])),
            "fit_seconds_median": float(np.nanmedian(secs[k])) if secs[k] else float("nan"),
            "fits": len(secs[k]),
        }
    return out


def _value(s, col):
    if col == "mean":
        return s["mean"], s["mean_std"]
    return s["per_task_mean"][col], s["per_task_std"][col]


def accuracy_table(summary, tasks, library="tlearn", libraries=None):
    """The methods x tasks table; bold = best in its protocol's column, ↓ = below
    source-only (a transfer method: negative transfer)."""
    columns = [*tasks, "mean"]
    rows = []
    for protocol, methods in PROTOCOLS.items():
        keys = [
            (protocol, m, lib)
            for m in methods
            for lib in (libraries or [library])
            if (protocol, m, lib) in summary
        ]
        if not keys:
            continue
        base = summary.get((protocol, "source-only", "tlearn"))
        best = {c: np.nanmax([_value(summary[k], c)[0] for k in keys]) for c in columns}
        for k in keys:
            s = summary[k]
            cells = []
            for col in columns:
                m, sd = _value(s, col)
                text = fmt(m, 1) if s["runs"] == 1 else f"{fmt(m, 1)} ± {fmt(sd, 1)}"
                if base is not None and k[1] in _suite.TRANSFER and np.isfinite(m):
                    if m < _value(base, col)[0] - 1e-9:
                        text += " ↓"
                if np.isfinite(m) and m >= best[col] - 1e-9:
                    text = f"**{text}**"
                cells.append(text)
            name = LABELS[k[1]] + (f" ({k[2]})" if libraries and k[2] != "tlearn" else "")
            rows.append([protocol, name, *cells])
    return markdown_table(["protocol", "method", *columns], rows)


def legend(K, n_seeds):
    return (
        "Target accuracy (%). **Bold**: the best of the column within its protocol (the two "
        "protocols score different rows). ↓: a transfer method below source-only of the same "
        "protocol on that column: negative transfer. `unsupervised`: one fit per task, scored "
        "on every target row (deterministic methods: no seeds). `few-label`: "
        f"{K} labelled target rows per class, mean ± std over {n_seeds} seed(s) of the draw, "
        "scored on the other target rows; `mean`: the mean over the tasks of each seed, then "
        "mean ± std over the seeds. target-only uses no source row, so it is never marked."
    )


def glance_table(summary, tasks):
    """Per tlearn method: mean, tasks below source-only, tasks below target-only, fit time."""
    rows = []
    for protocol, methods in PROTOCOLS.items():
        base = summary.get((protocol, "source-only", "tlearn"))
        tonly = summary.get((protocol, "target-only", "tlearn"))
        for m in methods:
            s = summary.get((protocol, m, "tlearn"))
            if s is None:
                continue
            below = "—"
            if base is not None and m in _suite.TRANSFER:
                below = str(
                    sum(s["per_task_mean"][t] < base["per_task_mean"][t] - 1e-9 for t in tasks)
                )
            below_t = "—"
            if tonly is not None and m != "target-only":
                below_t = str(
                    sum(s["per_task_mean"][t] < tonly["per_task_mean"][t] - 1e-9 for t in tasks)
                )
            mean = fmt(s["mean"]) + ("" if s["runs"] == 1 else f" ± {fmt(s['mean_std'])}")
            rows.append(
                [
                    protocol,
                    LABELS[m],
                    mean,
                    below,
                    below_t,
                    fmt_seconds(s["fit_seconds_total"]),
                    fmt_seconds(s["fit_seconds_median"]),
                    s["fits"],
                ]
            )
    return markdown_table(
        [
            "protocol",
            "method",
            "mean",
            f"tasks below source-only (of {len(tasks)})",
            "tasks below target-only",
            "fit s, total",
            "fit s, median",
            "fits",
        ],
        rows,
    )


def peers_table(summary, peers):
    """Per method that a peer has: accuracy of each library and fit time over tlearn's."""
    rows = []
    for (protocol, method), libs in _suite.PEER_METHODS.items():
        ours = summary.get((protocol, method, "tlearn"))
        if ours is None:
            continue
        row = [protocol, LABELS[method], fmt(ours["mean"])]
        for peer in ("skada", "adapt"):
            s = summary.get((protocol, method, peer))
            row.append(fmt(s["mean"]) if s else ("n/a" if peer not in libs else "—"))
        row.append(fmt_seconds(ours["fit_seconds_total"]))
        for peer in ("skada", "adapt"):
            s = summary.get((protocol, method, peer))
            if s is None:
                row.append("n/a" if peer not in libs else "—")
            else:
                ratio = s["fit_seconds_total"] / ours["fit_seconds_total"]
                row.append(f"{fmt_seconds(s['fit_seconds_total'])} ({fmt_ratio(ratio)})")
        rows.append(row)
    return markdown_table(
        [
            "protocol",
            "method",
            "tlearn acc",
            "SKADA acc",
            "ADAPT acc",
            "tlearn fit s",
            "SKADA fit s (× tlearn)",
            "ADAPT fit s (× tlearn)",
        ],
        rows,
    )


# ============================================================================ printing


def data_label(report):
    """The data of the run as the header and the table titles name it."""
    dataset, d = report["dataset"], report["data"]
    title = _suite.TITLES[dataset]
    if dataset == "office31":
        feature = report["feature"]
        title += f", {feature.upper()}" + (
            f" ({report['decaf_layer']})" if feature == "decaf" else ""
        )
    if report.get("fallback_from"):
        title += ", the copy shipped with tlearn (offline fallback from Office-31)"
    elif d.get("source") == _suite.SHIPPED:
        title += ", the copy shipped with tlearn"
    return title


def describe(plan):
    """What the JSON report says of a run before any fit: data, settings, peers."""
    args = plan["args"]
    return {
        "benchmark": "office31",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _cli.command_as_typed(),
        "dataset": args.dataset,
        "fallback_from": args.fallback["from"] if args.fallback else None,
        "fallback_reason": args.fallback["reason"] if args.fallback else None,
        "feature": args.feature if args.dataset == "office31" else None,
        "decaf_layer": args.decaf_layer if args.feature == "decaf" else None,
        "tasks": list(args.tasks),
        "seeds": list(args.seeds),
        "quick": args.quick,
        "rows": args.rows,
        "data": plan["data_info"],
        "synthetic": _suite.SYNTHETIC if args.dataset == "synthetic" else None,
        "settings": plan["settings"],
        "peers": plan["peers"],
        "peers_not_run": plan["peers_missing"],
    }


def header_text(report):
    """The header of the output: data, tasks, protocol, libraries, hyper-parameters."""
    s, d, tasks = report["settings"], report["data"], report["tasks"]
    out = [f"# tlearn on {data_label(report)}: every method on every task\n"]
    if report.get("fallback_from"):
        out.append(
            "NOTE: the default data set, Office-31, could not be fetched; this run is on "
            "the Office-Caltech-10 SURF files shipped with tlearn (its offline default), "
            "not on Office-31. Why: " + report["fallback_reason"] + "\n"
        )
    if "files" in d:
        out.append(f"Files: {d['files']}.")
    out.append(f"Tasks ({len(tasks)}): {', '.join(tasks)}.")
    if report["dataset"] == "synthetic":
        syn = report["synthetic"]
        out.append(
            f"Synthetic tasks: make_domain_shift(shift, strength, n_source = n_target = "
            f"{d['rows_per_domain']}, n_features={syn['n_features']}, "
            f"n_classes={syn['n_classes']}, noise={syn['noise']}, random_state={syn['seed']}); "
            "task = shift-strength: "
            + ", ".join(f"{t} = {sh} {st:g}" for t, (sh, st) in _suite.SYNTHETIC_TASKS.items())
            + "."
        )
    else:
        out.append(f"Rows per domain: {d['rows_per_domain']}.")
    if report["rows"]:
        out.append(
            f"Subsampled to {report['rows']} rows per domain (seed 0): a smoke run, not the "
            "figures."
        )
    out.append(f"Preprocessing: {d['preprocessing']}.")
    out.append(
        f"Few-label protocol: {s['labels_per_class']} labelled target rows per class, seeds "
        f"{', '.join(map(str, s['seeds']))}. Split: {s['sources']['split']}."
    )
    out.append(f"Libraries: {', '.join(['tlearn', *report['peers']])}.")
    for peer, why in report["peers_not_run"].items():
        out.append(f"Not run: {peer} ({why}).")
    src = s["sources"]
    out += [
        "\n## Hyper-parameters (fixed in advance, or chosen without any target test label)\n",
        f"- Learner: {s['classifier']}. C: {src['C']}.",
        f"- TCA: kernel {s['tca_kernel']}, n_components = {s['tca_n_components']}, mu = "
        f"{s['tca_mu']:g}. Source: {src['tca']}.",
        f"- SA: n_components = {s['sa_n_components']}. Source: {src['sa']}.",
        f"- CORAL: reg = {s['coral_reg']:g}. Source: {src['coral']}.",
        f"- KMM: B = {s['kmm_B']:g}. {src['kmm']}.",
        *([f"- TransferGuard: {src['guard']}."] if "guard" in src else []),
        f"- TrAdaBoost: n_estimators = {s['tradaboost_n_estimators']}. {src['tradaboost']}.",
        f"- target-only: {src['target_only']}.",
        f"- SharedPriorLogisticRegression: {src['shared_prior']}.",
        f"- Cross-validation inside the labelled target rows: {src['cv']}.",
    ]
    if report["peers"]:
        out.append("\nThe peers, with the same settings:\n")
        for name, text in s["peers"].items():
            if name.split()[0] in report["peers"] or name == "same for all":
                out.append(f"- {name}: {text}.")
    return "\n".join(out) + "\n"


def print_header(plan):
    print(header_text(describe(plan)))


def _nan(value):
    return float("nan") if value is None else value


def summary_of(report):
    """``{(protocol, method, library): summary}`` from a report (live or read from JSON,
    where NaN was written as null)."""
    out = {}
    for row in report["summary"]:
        s = {k: v for k, v in row.items() if k not in ("protocol", "method", "library")}
        for key in ("per_task_mean", "per_task_std"):
            s[key] = {t: _nan(v) for t, v in s[key].items()}
        for key in ("mean", "mean_std", "fit_seconds_total", "fit_seconds_median"):
            s[key] = _nan(s[key])
        out[(row["protocol"], row["method"], row["library"])] = s
    return out


def results_text(report):
    """The tables of a finished run: accuracy, at a glance, the peers, notes, the run."""
    tasks, seeds, info = report["tasks"], report["seeds"], report["run"]
    summary, records = summary_of(report), report["records"]
    out = [
        "C chosen by source cross-validation: "
        + ", ".join(f"{k}: {v['C']:g}" for k, v in report["source_C"].items())
        + " (the CV accuracy of every C is in the JSON).\n"
    ]
    label = data_label(report)
    out += [
        f"## Target accuracy (%) on {label}, tlearn and the baselines ({len(tasks)} tasks, "
        f"{len(seeds)} seed(s))\n",
        accuracy_table(summary, tasks),
        "\n" + legend(report["settings"]["labels_per_class"], len(seeds)) + "\n",
        f"## At a glance ({label})\n",
        glance_table(summary, tasks),
        "\nFit time: the whole fit of the method, hyper-parameter cross-validation included "
        "(prediction excluded), wall clock inside the worker; with several jobs on a busy "
        "machine it includes the contention.\n",
    ]
    if report["peers"]:
        out += [
            "## tlearn beside the peers (same data, splits and settings)\n",
            peers_table(summary, report["peers"]),
            "\nAccuracy: the `mean` column of the table above for each library. Fit s: the "
            "total over every task (and seed); (× tlearn): the peer's time over tlearn's.\n",
            "### Per task, every library\n",
            accuracy_table(summary, tasks, libraries=["tlearn", *report["peers"]]) + "\n",
        ]
    if report["dataset"] == "office-caltech10":
        out.append("## Published figures (12-task means; other final classifiers than ours)\n")
        for (method, clf), (value, source) in PUBLISHED_OFFICE_CALTECH.items():
            out.append(f"- {LABELS[method]} + {clf}: {value} ({source}).")
        out.append(
            "- These papers use 1-NN or a linear SVM as the final classifier and score the "
            "whole target domain; our unsupervised rows use the source-CV logistic regression "
            "(feature_office_caltech.py measures tlearn with 1-NN: 31.37, 43.61, 45.42).\n"
        )
    notes = {}
    for r in records:
        who = f"{LABELS[r['method']]} / {r['library']} ({r['protocol']})"
        where = f"{r['task']}" + ("" if r["seed"] is None else f"/{r['seed']}")
        for m in r["warnings"] + ([f"ERROR {r['error']}"] if r["error"] else []):
            notes.setdefault(who, {}).setdefault(m, []).append(where)
    if notes:
        out.append("## Notes (warnings and errors, with the task/seed where they occurred)\n")
        for who, msgs in notes.items():
            for m, where in msgs.items():
                shown = ", ".join(where[:6]) + (
                    f", ... ({len(where)} fits)" if len(where) > 6 else ""
                )
                out.append(f"- {who}: {m} [{shown}]")
        out.append("")
    backend = info["backend"] + (f", {info['scheduler']}" if "scheduler" in info else "")
    if "n_jobs" in info:
        backend += f", n_jobs={info['n_jobs']}"
    load = ", ".join(f"{x:.2f}" for x in report["machine"]["load_average"])
    out.append(
        f"Run: {len(records)} fits on {backend}; grid {info['grid_seconds']:.1f} s wall, "
        f"source C {info['source_C_seconds']:.1f} s. Machine: load average: {load}."
    )
    return "\n".join(out)


def render(report):
    """The whole output of a run, from its report (``--render``, and the docs' pages)."""
    return header_text(report) + "\n" + results_text(report)


def finish_report(report, records, info, summary):
    """``report`` (from :func:`describe`) with the results of the run added."""
    versions = package_versions(
        (*_common.DEFAULT_PACKAGES, "joblib", "dask", "distributed", "tqdm", "matplotlib")
    )
    report.update(
        source_C=info["C_by_key"],
        run={k: v for k, v in info.items() if k != "C_by_key"},
        versions=versions,
        machine=machine_info(),
        summary=[
            {"protocol": k[0], "method": k[1], "library": k[2], **v} for k, v in summary.items()
        ],
        records=records,
    )
    return report


# ============================================================================ files


def chart(summary, tasks, title):
    """The accuracy chart: one panel per protocol, tlearn's methods per task; a Figure."""
    import matplotlib.pyplot as plt

    columns = [*tasks, "mean"]
    fig, axes = plt.subplots(
        2, 1, figsize=(max(8.0, 0.9 * len(columns) + 3), 8.0), layout="constrained"
    )
    markers = "osD^vP*Xh"
    x = np.arange(len(columns))
    for ax, (protocol, methods) in zip(axes, PROTOCOLS.items()):
        keys = [(protocol, m, "tlearn") for m in methods if (protocol, m, "tlearn") in summary]
        width = 0.8 / max(len(keys), 1)
        for i, k in enumerate(keys):
            s = summary[k]
            vals = np.array([_value(s, c) for c in columns])
            ax.errorbar(
                x - 0.4 + width * (i + 0.5),
                vals[:, 0],
                yerr=vals[:, 1] if s["runs"] > 1 else None,
                fmt=markers[i % len(markers)],
                linestyle="none",
                capsize=2,
                label=LABELS[k[1]],
            )
        ax.set_xticks(x, columns, rotation=45 if len(columns) > 8 else 0)
        ax.set_ylabel("target accuracy (%)")
        ax.set_title(
            f"{protocol}" + (" (mean ± std over seeds)" if protocol != "unsupervised" else "")
        )
        ax.grid(True, axis="y", alpha=0.3)
        for sep in x[:-1] + 0.5:
            ax.axvline(sep, color="0.9", lw=0.5, zorder=0)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(title)
    return fig


def plot(summary, tasks, path, title):
    """Write :func:`chart` to ``path`` (PNG), off screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = chart(summary, tasks, title)
    fig.savefig(path, dpi=110)
    plt.close(fig)


CSV_FIELDS = [
    "dataset",
    "task",
    "protocol",
    "method",
    "library",
    "seed",
    "accuracy",
    "fit_seconds",
    "C",
    "n_source",
    "n_labelled",
    "n_test",
    "chosen",
    "cv",
    "kmm_gamma",
    "error",
    "warnings",
]


def output_stem(args):
    if args.output:
        return args.output
    name = "office31" + (f"_{args.feature}" if args.dataset == "office31" else f"_{args.dataset}")
    if args.fallback:
        name = FALLBACK_STEM
    full = len(args.tasks) == len(_suite.TASKS[args.dataset]) and not args.rows
    return _cli.output_stem(args, name, full)


def chart_title(report):
    title = f"tlearn on {_suite.TITLES[report['dataset']]}" + (
        f" {report['feature'].upper()}" if report["dataset"] == "office31" else ""
    )
    if report.get("fallback_from"):
        title += " (shipped copy: offline fallback, Office-31 unavailable)"
    elif report["data"].get("source") == _suite.SHIPPED:
        title += " (shipped copy)"
    return title


def plot_report(report, path):
    """The accuracy chart of a report (live or read from JSON) as a PNG at ``path``."""
    plot(summary_of(report), report["tasks"], path, chart_title(report))


def csv_rows(report):
    """The records as CSV rows: the data set named, the choices as JSON, warnings joined."""
    rows = []
    for r in report["records"]:
        row = {**r, "dataset": report["dataset"]}
        row["chosen"] = json.dumps(r.get("chosen")) if r.get("chosen") else ""
        row["warnings"] = " | ".join(r["warnings"])
        rows.append(row)
    return rows


# ============================================================================ main


def why_not(exc):
    """The first cause of a failed load (e.g. ``URLError: ...``), on one line."""
    cause = exc
    while cause.__cause__ is not None:
        cause = cause.__cause__
    text = f"{type(cause).__name__}: {cause}" if cause is not exc else str(exc)
    return " ".join(text.split())[:300]


def fallback_line(args, reason):
    """The one line of a default run that cannot fetch Office-31 and falls back."""
    from tlearn.datasets import get_data_home

    remote = _suite.required_files("office31", args.tasks, "surf")[0]
    try:
        where = str(get_data_home() / remote.relative_path)
    except OSError:  # the data home cannot even be created
        where = f"<TLEARN_DATA_HOME>/{remote.relative_path}"
    return (
        f"office31.py: Office-31 SURF cannot be fetched ({reason}); running on the "
        "Office-Caltech-10 SURF copy shipped with tlearn instead. To run Office-31, put "
        f"{remote.filename} (SHA-256 {remote.sha256}) at {where}, or set TLEARN_DATA_MIRROR "
        f"to a copy laid out as <mirror>/{remote.relative_path} "
        "(--dataset office31 says more)."
    )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.render:
        print(render(_cli.load_report(args.render, "office31")))
        return
    try:
        plan = prepare(argv)
    except _suite.NoData as exc:
        args = parse_args(argv)
        if args.dataset_given or args.feature != "surf" or not exc.missing:
            sys.exit(_suite.no_data_message(args.dataset, args.tasks, args.feature, exc))
        reason = why_not(exc)
        print(fallback_line(args, reason))
        sys.stdout.flush()
        fallback_argv = [*argv, "--dataset", "office-caltech10"]
        try:
            plan = prepare(fallback_argv, office_caltech=_suite.SHIPPED)
        except _suite.NoData as shipped_exc:  # a damaged installation
            fb = parse_args(fallback_argv)
            sys.exit(_suite.no_data_message(fb.dataset, fb.tasks, fb.feature, shipped_exc))
        plan["args"].fallback = {"from": "office31", "reason": reason}
    args = plan["args"]
    report = describe(plan)
    print(header_text(report))
    sys.stdout.flush()
    records, info = execute(plan)
    summary = summarise(records, args.tasks, args.seeds)
    finish_report(report, records, info, summary)
    print(results_text(report))
    paths = _cli.write_outputs(
        report,
        output_stem(args),
        CSV_FIELDS,
        csv_rows(report),
        plot_report,
        "office31.py",
        RESULTS_DIR,
    )
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
