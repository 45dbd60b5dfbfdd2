"""Fit time and peak memory against n of every method of office31.py, beside SKADA and ADAPT.

Data: the ``cov-2`` task of ``office31.py --dataset synthetic``:
``tlearn.datasets.make_domain_shift("covariate", strength=2, n_features=200,
n_classes=3, noise=0.1, random_state=0)`` with ``n`` source and ``n`` target rows.
The few-label methods get 3 labelled target rows per class (split seed 0); the
other target rows are unlabelled rows in ``fit`` and the test rows.

Every method is fitted by the code of ``office31.py`` (``_suite.fit_method``)
with its settings (TCA linear, 100 components, mu = 1; SA 30 components; CORAL
lambda = 1; KMM rbf, median-heuristic gamma, B = 1000; TrAdaBoost 20 rounds;
the shared prior with its cross-validation over 14 (reg, intercept) pairs;
target-only with its CV over C), except that the logistic regression's ``C`` is
fixed to ``C_FIXED`` = 0.01 (what the source cross-validation picks on the
synthetic tasks), so that no source CV is timed. The fit time is that of the
whole fit, cross-validation included (prediction excluded).

Every (library, method, n) cell is one fit in a fresh Python subprocess (the
machinery of ``_common.run_worker`` and ``_speed``, as ``feature_speed.py`` and
``kmm_scaling.py``), so that its peak resident memory (``VmHWM``) is its own;
the tables report that peak at the end of ``fit`` minus the peak of a process
that only imported the same libraries (the data, ``2 n 200 * 8`` bytes, is
included). A fit longer than ``--max-seconds`` or a process larger than
``--max-memory-gb`` is killed (``timeout`` / ``OOM``) and that (library,
method) is not tried at larger sizes. A fit shorter than 2 s is repeated
(``--repeats``, each in a fresh process) and the fastest run kept. The grid
runs size by size (every method at the smallest n, then the next n), so
``--n-jobs N`` runs N cells at once and skips the same cells; the timings then
include the contention, and 1 is the measuring setting.

Usage::

    python benchmarks/scaling.py --peers         # 500 to 20,000 rows per domain
    python benchmarks/scaling.py --quick         # 250 and 500 rows, 20 s caps (smoke run)
    python benchmarks/scaling.py --sizes 1000,10000 --methods TCA,KMM
    python benchmarks/scaling.py --render benchmarks/results/scaling.json

Writes markdown to stdout, and CSV, JSON and a log-log PNG (time and memory
against ``n``) under ``benchmarks/results/``. BLAS is pinned to one thread in
every worker (``--blas-threads``, 1 by default; 0 leaves it as it is).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported by path (the tests) rather than run
    sys.path.insert(0, str(HERE))

import _cli  # noqa: E402
import _speed  # noqa: E402
from _common import load_text, parse_choice  # noqa: E402
from _speed import (  # noqa: E402
    caps_line,
    fit_time,
    import_modules,
    peak_memory,
    plot_lines,
    pyplot,
    ratio_rows,
    size_table,
    status_text,
    timed_fit,
    titled_table,
    warning_lines,
    worker_main,
)

SCRIPT = Path(__file__).resolve()
NAME = "scaling"

TASK = "cov-2"
C_FIXED = 0.01
LABELS_PER_CLASS = 3
SIZES = (500, 1000, 2000, 5000, 10000, 20000)
QUICK_SIZES = (250, 500)
MAX_SECONDS, QUICK_MAX_SECONDS = 300.0, 20.0
REPEATS, QUICK_REPEATS = 3, 1
REPEAT_BELOW_SECONDS = 2.0

# (protocol, method) in table order; the libraries that have each (tlearn first).
METHODS = (
    ("unsupervised", "source-only"),
    ("unsupervised", "TCA"),
    ("unsupervised", "SA"),
    ("unsupervised", "CORAL"),
    ("unsupervised", "KMM"),
    ("few-label", "target-only"),
    ("few-label", "pooled"),
    ("few-label", "TrAdaBoost"),
    ("few-label", "shared prior"),
)
LABELS = {
    "source-only": "source-only",
    "TCA": "TCA (linear)",
    "SA": "SA",
    "CORAL": "CORAL",
    "KMM": "KMM",
    "target-only": "target-only",
    "pooled": "pooled",
    "TrAdaBoost": "TrAdaBoost",
    "shared prior": "SharedPriorLogisticRegression",
}
PEER_IMPORTS = {"skada": "skada", "adapt": "adapt.instance_based"}


def libraries_of(protocol, method):
    import _suite

    return ("tlearn", *_suite.PEER_METHODS.get((protocol, method), ()))


# ============================================================================ worker side

#: What every worker imports, and what a worker of each library imports besides.
WORKER_IMPORTS = (
    "numpy",
    "sklearn.linear_model",
    "sklearn.model_selection",
    "threadpoolctl",
    "tlearn.baselines",
    "tlearn.datasets",
    "tlearn.feature",
    "tlearn.instance",
    "tlearn.parameter",
)
LIBRARY_IMPORTS = {
    "tlearn": (),
    "skada": ("skada",),
    "adapt": ("adapt.feature_based", "adapt.instance_based", "adapt.parameter_based"),
}


def _import_library(library):
    """What a worker of ``library`` imports; the import-only baseline imports the same."""
    import_modules((*WORKER_IMPORTS, *LIBRARY_IMPORTS[library]))


def _fit_cell(spec, out_dir, result):
    """Fit one (protocol, method, library) on ``n`` rows per domain; score it after the clock."""
    import _suite
    import numpy as np

    n = spec["n"]
    payloads, _ = _suite.load_tasks("synthetic", (TASK,), n_synthetic=n)
    p = payloads[TASK]
    Xs, ys, Xt, yt = p["Xs"], p["ys"], p["Xt"], p["yt"]
    settings = _suite.default_settings(LABELS_PER_CLASS, (0,), None)
    if spec["protocol"] == "unsupervised":
        labelled, test = np.array([], dtype=int), np.arange(yt.shape[0])
    else:
        labelled, test = _suite.split_target(yt, LABELS_PER_CLASS, 0)
    data = (Xs, ys, Xt[labelled], yt[labelled], Xt[test])
    (predict, info), caught = timed_fit(
        out_dir,
        result,
        lambda: _suite.fit_method(spec["method"], spec["library"], data, C_FIXED, settings, seed=0),
    )
    result["accuracy"] = 100.0 * float(np.mean(predict(Xt[test]) == yt[test]))
    result["chosen"] = info.get("chosen")
    result["warnings"] = warning_lines(caught)


def worker(spec_path):
    """Run one fit described by the JSON file ``spec_path``; write ``result.json`` beside it."""
    worker_main(spec_path, _import_library, _fit_cell)


# ============================================================================ the grid


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick=f"smoke run: n in {_speed.size_text(QUICK_SIZES)}, {QUICK_MAX_SECONDS:g} s cap, "
        "no repeats",
        n_jobs_note=_speed.N_JOBS_NOTE,
    )
    _speed.add_speed_options(
        parser,
        sizes_help="comma-separated rows per domain, run in increasing order\n(default: "
        f"{_speed.size_text(SIZES)}; {_speed.size_text(QUICK_SIZES)} with --quick)",
        max_seconds=MAX_SECONDS,
        quick_max_seconds=QUICK_MAX_SECONDS,
        max_memory_gb=8.0,
        repeats=REPEATS,
        quick_repeats=QUICK_REPEATS,
        repeat_below=REPEAT_BELOW_SECONDS,
    )
    parser.add_argument(
        "--methods",
        help="comma-separated subset of the methods (default: all):\n"
        + ", ".join(m for _, m in METHODS),
    )
    return parser


def parse_args(argv=None):
    """The arguments, with the defaults that depend on ``--quick`` filled in."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _cli.finish(parser, args)
    _speed.finish_speed_options(parser, args)
    args.sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    args.method_list = METHODS
    if args.methods:
        wanted = parse_choice(args.methods, [m for _, m in METHODS], parser, "methods")
        args.method_list = tuple(pm for pm in METHODS if pm[1] in wanted)
    return args


def prepare(args):
    """The plan of a run: the libraries that import, the lines of the grid, the settings."""
    grid = _speed.grid_settings(SCRIPT, args, "method")
    libraries, missing = _speed.available_libraries(
        PEER_IMPORTS if args.peers else {}, _speed.cell_env(grid)
    )
    lines = [
        ({"protocol": p, "method": m, "library": lib}, tuple(args.sizes))
        for p, m in args.method_list
        for lib in libraries_of(p, m)
        if lib in libraries
    ]
    full = tuple(args.sizes) == SIZES and not args.quick and args.method_list == METHODS
    return {
        "args": args,
        "libraries": libraries,
        "missing": missing,
        "lines": lines,
        "grid": grid,
        "full": full,
    }


def describe(plan):
    """What the JSON report says of a run before any fit."""
    args = plan["args"]
    settings = {
        "sizes": tuple(args.sizes),
        "max_seconds": args.max_seconds,
        "max_memory_gb": args.max_memory_gb,
        "repeats": args.repeats,
        "repeat_below_seconds": REPEAT_BELOW_SECONDS,
        "blas_threads": args.blas_threads or _speed.blas_inherited()["OPENBLAS_NUM_THREADS"],
        "C": C_FIXED,
        "labels_per_class": LABELS_PER_CLASS,
        "data": "make_domain_shift('covariate', strength=2, n_features=200, n_classes=3, "
        "noise=0.1, random_state=0) (office31.py --dataset synthetic, task cov-2)",
        "methods": [f"{f['protocol']}:{f['method']}:{f['library']}" for f, _ in plan["lines"]],
    }
    return _speed.new_report(NAME, settings, plan["libraries"], plan["missing"], args)


def run_cell(cell, payload, settings):
    """One (protocol, method, library, n) cell: its fit in a fresh process (and repeats)."""
    r = _speed.repeat_fit(settings, dict(cell), REPEAT_BELOW_SECONDS)
    return _speed.record(cell, r, settings, "vmhwm_fit_kb")


def show(row):
    """The progress line of a finished cell (stderr)."""
    if row["status"] == "ok":
        shown = f"{row['fit_seconds']:.3g} s, {row['peak_mb']:.0f} MB"
    else:
        shown = status_text(row)
    return (
        f"  {LABELS[row['method']]:<30} {row['library']:<6} n={row['n']:<7,} {shown}  "
        f"[{load_text()}]"
    )


# ============================================================================ output


def _label(key):
    """The label cells of a table row: the method by its name in the tables."""
    protocol, method, library = key
    return protocol, LABELS[method], library


def header_text(report):
    s = report["settings"]
    lines = [
        "# Scaling: fit time and peak memory against n\n",
        f"Data: {s['data']}; n source = n target rows; few-label methods: "
        f"{s['labels_per_class']} labelled target rows per class (seed 0). Settings: those of "
        f"office31.py, with C = {s['C']:g} fixed.",
        caps_line(report, s.get("repeat_below_seconds", REPEAT_BELOW_SECONDS)),
    ]
    return _speed.header_text(lines, report)


def results_text(report):
    """The tables of a finished run: time, ratios, memory, accuracy, notes, the run."""
    rows, sizes = report["rows"], report["settings"]["sizes"]
    by_key = {(r["protocol"], r["method"], r["library"], r["n"]): r for r in rows}
    keys = list(dict.fromkeys((r["protocol"], r["method"], r["library"]) for r in rows))
    head = ["protocol", "method", "library"]
    out = [f"## n source = n target in {', '.join(f'{n:,}' for n in sizes)}\n"]

    def table(title, text):
        out.append(size_table(title, head, keys, sizes, by_key, text, label=_label))

    table("Fit time (s; the whole fit, CV included; fastest of the repeats)", fit_time)
    ratios = ratio_rows(keys, sizes, by_key, lambda k: (k[0], k[1], "tlearn"), label=_label)
    if ratios:
        out.append(
            titled_table(
                "Fit time of the peer / tlearn's (> 1: tlearn is faster)",
                [*head, *(f"n={n:,}" for n in sizes)],
                ratios,
            )
        )
    table(
        "Peak memory (MB at the end of fit, above the import-only baseline; data included)",
        peak_memory,
    )
    table(
        "Target test accuracy (%), a check that every library solves the same problem",
        lambda r: f"{r['accuracy']:.1f}",
    )
    notes = sorted(
        {
            (LABELS[r["method"]], r["library"], w)
            for r in rows
            for w in r.get("warnings", [])
            if "ConvergenceWarning" not in w
        }
    )
    errors = [r for r in rows if r["status"] == "error"]
    if notes or errors:
        out.append("Notes:\n")
        out.extend(f"- {m} / {lib}: {w}" for m, lib, w in notes)
        out.extend(
            f"- {LABELS[r['method']]} / {r['library']} at n={r['n']:,}: {r.get('error')}"
            for r in errors
        )
        out.append("")
    out.append(_speed.run_text(report))
    return "\n".join(out)


def render(report):
    """The whole output of a run, from its report (``--render``)."""
    return header_text(report) + "\n" + results_text(report)


def plot_report(report, path):
    """Fit time and peak memory against n, a line per (method, library), as a PNG."""
    rows = report["rows"]
    plt = pyplot()
    methods = [m for _, m in METHODS]
    colors = dict(zip(methods, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 2))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), layout="constrained")
    seen = {(r["protocol"], r["method"], r["library"]) for r in rows}
    for ax, field, label in zip(
        axes, ("fit_seconds", "peak_mb"), ("fit time (s)", "peak memory above imports (MB)")
    ):
        lines = []
        for p, m, lib in sorted(seen, key=lambda k: (methods.index(k[1]), k[2] != "tlearn")):
            pts = sorted(
                (r["n"], r[field])
                for r in rows
                if (r["protocol"], r["method"], r["library"]) == (p, m, lib)
                and r["status"] == "ok"
                and r.get(field, 0) > 0
            )
            lines.append((lib, colors[m], f"{LABELS[m]} ({lib})", pts))
        plot_lines(ax, lines, label, 200)
    axes[1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle("office31.py's methods: fit time and memory against n (one process per fit)")
    fig.savefig(path, dpi=110)
    plt.close(fig)


CSV_FIELDS = [
    "protocol",
    "method",
    "library",
    "n",
    "status",
    "fit_seconds",
    "peak_mb",
    "accuracy",
    "skipped",
    "error",
]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    spec = _speed.worker_argv(argv)
    if spec:
        worker(spec)
        return
    args = parse_args(argv)
    if args.render:
        print(render(_cli.load_report(args.render, NAME)))
        return
    plan = prepare(args)
    report = describe(plan)
    print(header_text(report), flush=True)
    rows, baselines, info = _speed.execute(
        args, run_cell, plan["lines"], plan["libraries"], plan["grid"], show, NAME
    )
    _speed.finish_report(report, rows, baselines, info)
    print(results_text(report))
    stem = _cli.output_stem(args, NAME, plan["full"])
    paths = _speed.write_outputs(report, stem, CSV_FIELDS, plot_report, "scaling.py")
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
