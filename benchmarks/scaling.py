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

Every (library, method, n) fit runs in a fresh Python subprocess (the
machinery of ``_common.run_worker``, as ``feature_speed.py`` and
``kmm_scaling.py``), so that its peak resident memory (``VmHWM``) is its own;
the tables report that peak at the end of ``fit`` minus the peak of a process
that only imported the same libraries (the data, ``2 n 200 * 8`` bytes, is
included). A fit longer than ``--max-seconds`` or a process larger than
``--max-memory-gb`` is killed (``timeout`` / ``OOM``) and that (library,
method) is not tried at larger sizes. A fit shorter than 2 s is repeated
(``--repeats``, each in a fresh process) and the fastest run kept.

Usage::

    python benchmarks/scaling.py                 # 500 to 20,000 rows per domain, peers
    python benchmarks/scaling.py --quick         # 250 and 500 rows, 20 s caps (smoke run)
    python benchmarks/scaling.py --no-peers --sizes 1000,10000 --methods TCA,KMM

Writes markdown to stdout, and CSV, JSON and a log-log PNG (time and memory
against ``n``) under ``benchmarks/results/``. Pin BLAS to one thread
(``OPENBLAS_NUM_THREADS=1``, or ``--blas-threads 1``) on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _common import load_text, machine_info  # noqa: E402
from _speed import (  # noqa: E402
    available_libraries,
    caps_line,
    fit_time,
    header_text,
    import_baselines,
    import_modules,
    new_report,
    parse_sizes,
    peak_memory,
    plot_lines,
    pyplot,
    ratio_rows,
    run_cell,
    run_line,
    size_table,
    status_text,
    timed_fit,
    titled_table,
    warning_lines,
    worker_env,
    worker_main,
    write_results,
)

SCRIPT = Path(__file__).resolve()

TASK = "cov-2"
C_FIXED = 0.01
LABELS_PER_CLASS = 3
SIZES = (500, 1000, 2000, 5000, 10000, 20000)
QUICK_SIZES = (250, 500)
QUICK_MAX_SECONDS = 20.0
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


# ============================================================================ parent side


def _label(key):
    """The label cells of a table row: the method by its name in the tables."""
    protocol, method, library = key
    return protocol, LABELS[method], library


def render(report):
    rows, sizes = report["rows"], report["settings"]["sizes"]
    by_key = {(r["protocol"], r["method"], r["library"], r["n"]): r for r in rows}
    keys = list(dict.fromkeys((r["protocol"], r["method"], r["library"]) for r in rows))
    head = ["protocol", "method", "library"]
    out = []

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
    return "\n".join(out)


def plot(rows, path):
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


def header(report):
    s = report["settings"]
    lines = [
        "# Scaling: fit time and peak memory against n\n",
        f"Data: {s['data']}; n source = n target rows; few-label methods: "
        f"{LABELS_PER_CLASS} labelled target rows per class (seed 0). Settings: those of "
        f"office31.py, with C = {C_FIXED:g} fixed.",
        caps_line(report, REPEAT_BELOW_SECONDS),
    ]
    return header_text(lines, report["libraries"], report["peers_not_run"])


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: n in {QUICK_SIZES}, {QUICK_MAX_SECONDS:g} s cap, no repeats",
    )
    parser.add_argument("--no-peers", action="store_true", help="tlearn only")
    parser.add_argument("--sizes", help="comma-separated rows per domain")
    parser.add_argument(
        "--methods", help="comma-separated subset of: " + ", ".join(m for _, m in METHODS)
    )
    parser.add_argument("--max-seconds", type=float, default=None, help="cap per fit (s; 300)")
    parser.add_argument("--max-memory-gb", type=float, default=8.0, help="cap per process (GB)")
    parser.add_argument("--repeats", type=int, default=None, help="runs of a fit under 2 s (3)")
    parser.add_argument("--blas-threads", type=int, default=None, help="pin BLAS threads")
    parser.add_argument("--output", default=None, help="file stem under benchmarks/results/")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    if args.max_seconds is None:
        args.max_seconds = QUICK_MAX_SECONDS if args.quick else 300.0
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    sizes = parse_sizes(args.sizes, QUICK_SIZES if args.quick else SIZES)
    methods = METHODS
    if args.methods:
        wanted = [m.strip() for m in args.methods.split(",")]
        valid = [m for _, m in METHODS]
        bad = [m for m in wanted if m not in valid]
        if bad:
            parser.error(f"unknown methods {bad}; choose among {', '.join(valid)}")
        methods = tuple(pm for pm in METHODS if pm[1] in wanted)

    env = worker_env(args.blas_threads)
    max_memory_kb = int(args.max_memory_gb * 1024**2)
    libraries, missing = available_libraries({} if args.no_peers else PEER_IMPORTS, env)
    cells = [(p, m, lib) for p, m in methods for lib in libraries_of(p, m) if lib in libraries]

    settings = {
        "sizes": sizes,
        "max_seconds": args.max_seconds,
        "max_memory_gb": args.max_memory_gb,
        "repeats": args.repeats,
        "repeat_below_seconds": REPEAT_BELOW_SECONDS,
        "blas_threads": args.blas_threads or env.get("OPENBLAS_NUM_THREADS"),
        "C": C_FIXED,
        "labels_per_class": LABELS_PER_CLASS,
        "data": "make_domain_shift('covariate', strength=2, n_features=200, n_classes=3, "
        "noise=0.1, random_state=0) (office31.py --dataset synthetic, task cov-2)",
        "methods": [f"{p}:{m}:{lib}" for p, m, lib in cells],
    }
    report = new_report("scaling", settings, machine_info(), libraries, missing)
    print(header(report), flush=True)
    print(f"Machine load at the start: {load_text()}.\n", flush=True)

    baselines = import_baselines(SCRIPT, libraries, "method", args.max_seconds, max_memory_kb, env)
    report["import_baseline_mb"] = baselines

    def measure(row):
        r = run_cell(
            SCRIPT,
            dict(row),
            args.max_seconds,
            max_memory_kb,
            env,
            args.repeats,
            REPEAT_BELOW_SECONDS,
        )
        row.update(r)
        if r["status"] == "ok":
            row["peak_mb"] = r["vmhwm_fit_kb"] / 1024 - baselines[row["library"]]
            shown = f"{r['fit_seconds']:.3g} s, {row['peak_mb']:.0f} MB"
        else:
            shown = status_text(r)
        print(
            f"  {LABELS[row['method']]:<30} {row['library']:<6} n={row['n']:<7,} {shown}  "
            f"[{load_text()}]",
            file=sys.stderr,
            flush=True,
        )
        return r["status"]

    start = time.perf_counter()
    for protocol, method, library in cells:
        fields = {"protocol": protocol, "method": method, "library": library}
        run_line(report["rows"], fields, sizes, measure)
    report["wall_seconds"] = time.perf_counter() - start
    report["machine"]["load_average_at_end"] = os.getloadavg()
    print(render(report))
    print(f"Wall time {report['wall_seconds']:.0f} s. Machine load at the end: {load_text()}.")

    full = tuple(sizes) == SIZES and not args.quick and methods == METHODS
    stem = args.output or ("scaling" if full else "scaling_quick")
    fields = [
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
    path = write_results(stem, fields, report, plot)
    print(f"\nWrote {path}.csv, .json and .png.")


if __name__ == "__main__":
    main()
