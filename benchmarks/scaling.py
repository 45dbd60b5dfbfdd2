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
import datetime
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _common import (  # noqa: E402
    RESULTS_DIR,
    fmt_ratio,
    load_text,
    machine_info,
    markdown_table,
    module_imports,
    package_versions,
    reset_peak,
    run_worker,
    status_kb,
    write_csv,
    write_json,
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
PEERS = ("skada", "adapt")
PEER_IMPORTS = {"skada": "skada", "adapt": "adapt.instance_based"}


def libraries_of(protocol, method):
    import _suite

    return ("tlearn", *_suite.PEER_METHODS.get((protocol, method), ()))


# ============================================================================ worker side


def _import_library(library):
    """What a worker of ``library`` imports; the import-only baseline imports the same."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    import threadpoolctl  # noqa: F401

    import tlearn.baselines  # noqa: F401
    import tlearn.datasets  # noqa: F401
    import tlearn.feature  # noqa: F401
    import tlearn.instance  # noqa: F401
    import tlearn.parameter  # noqa: F401

    if library == "skada":
        import skada  # noqa: F401
    elif library == "adapt":
        import adapt.feature_based  # noqa: F401
        import adapt.instance_based  # noqa: F401
        import adapt.parameter_based  # noqa: F401


def worker(spec_path):
    """Run one fit described by the JSON file ``spec_path``; write ``result.json`` beside it."""
    spec = json.loads(Path(spec_path).read_text())
    out_dir = Path(spec_path).parent
    library = spec["library"]
    _import_library(library)
    result = {"vmhwm_after_import_kb": status_kb("VmHWM")}
    if spec["method"] is None:  # the import-only baseline
        (out_dir / "result.json").write_text(json.dumps(result))
        return
    import warnings

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
    result["vmrss_before_fit_kb"] = status_kb("VmRSS")
    result["peak_reset"] = reset_peak()
    (out_dir / "ready").touch()  # the parent's clock for --max-seconds starts here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        predict, info = _suite.fit_method(spec["method"], library, data, C_FIXED, settings, seed=0)
        result["fit_seconds"] = time.perf_counter() - start
        result["vmhwm_fit_kb"] = status_kb("VmHWM")
    (out_dir / "done").touch()  # the clock stops: scoring is not timed
    result["accuracy"] = 100.0 * float(np.mean(predict(Xt[test]) == yt[test]))
    result["chosen"] = info.get("chosen")
    result["warnings"] = sorted(
        {f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}" for w in caught}
    )
    (out_dir / "result.json").write_text(json.dumps(result, default=float))


# ============================================================================ parent side


def run_cell(spec, args, max_memory_kb, env):
    """One (library, method, n): a first run, then repeats in fresh processes if short."""
    r = run_worker(SCRIPT, spec, args.max_seconds, max_memory_kb, env)
    if r["status"] != "ok":
        return r
    runs = [r]
    if r["fit_seconds"] < REPEAT_BELOW_SECONDS:
        for _ in range(args.repeats - 1):
            again = run_worker(SCRIPT, spec, args.max_seconds, max_memory_kb, env)
            if again["status"] == "ok":
                runs.append(again)
    best = dict(min(runs, key=lambda x: x["fit_seconds"]))
    best["fit_seconds_all"] = [x["fit_seconds"] for x in runs]
    best["vmhwm_fit_kb"] = max(x["vmhwm_fit_kb"] for x in runs)
    return best


def _cell(r, what):
    if r is None:
        return "—"
    if r["status"] != "ok":
        if "skipped" in r:
            return f"({r['skipped']})"
        if r["status"] == "timeout" and "elapsed_seconds" in r:
            return f"timeout (> {r['elapsed_seconds']:.0f} s)"
        return r["status"]
    if what == "time":
        return f"{r['fit_seconds']:.3g}"
    if what == "memory":
        return f"{r['peak_mb']:.0f}"
    return f"{r['accuracy']:.1f}"


def render(report):
    rows, sizes = report["rows"], report["settings"]["sizes"]
    by_key = {(r["protocol"], r["method"], r["library"], r["n"]): r for r in rows}
    keys = []
    for r in rows:
        k = (r["protocol"], r["method"], r["library"])
        if k not in keys:
            keys.append(k)
    head = ["protocol", "method", "library", *[f"n={n:,}" for n in sizes]]
    out = []

    def table(title, what, note=""):
        body = [
            [p, LABELS[m], lib, *[_cell(by_key.get((p, m, lib, n)), what) for n in sizes]]
            for p, m, lib in keys
        ]
        out.append(f"### {title}\n\n{markdown_table(head, body)}\n{note}")

    table("Fit time (s; the whole fit, CV included; fastest of the repeats)", "time")
    ratio_rows = []
    for p, m, lib in keys:
        if lib == "tlearn":
            continue
        cells = []
        for n in sizes:
            ours, theirs = by_key.get((p, m, "tlearn", n)), by_key.get((p, m, lib, n))
            if ours is None or theirs is None or ours["status"] != "ok":
                cells.append("—")
            elif theirs["status"] == "ok":
                cells.append(fmt_ratio(theirs["fit_seconds"] / ours["fit_seconds"]))
            elif theirs["status"] == "timeout" and "elapsed_seconds" in theirs:
                cells.append(f"> {fmt_ratio(theirs['elapsed_seconds'] / ours['fit_seconds'])}")
            else:
                cells.append(theirs["status"])
        ratio_rows.append([p, LABELS[m], lib, *cells])
    if ratio_rows:
        out.append(
            "### Fit time of the peer / tlearn's (> 1: tlearn is faster)\n\n"
            + markdown_table(head, ratio_rows)
            + "\n"
        )
    table(
        "Peak memory (MB at the end of fit, above the import-only baseline; data included)",
        "memory",
    )
    table("Target test accuracy (%), a check that every library solves the same problem", "acc")
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {"tlearn": "-", "skada": "--", "adapt": ":"}
    markers = {"tlearn": "o", "skada": "s", "adapt": "^"}
    methods = [m for _, m in METHODS]
    colors = dict(zip(methods, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 2))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), layout="constrained")
    seen = set()
    for r in rows:
        seen.add((r["protocol"], r["method"], r["library"]))
    for ax, field, label in zip(
        axes, ("fit_seconds", "peak_mb"), ("fit time (s)", "peak memory above imports (MB)")
    ):
        for p, m, lib in sorted(seen, key=lambda k: (methods.index(k[1]), k[2] != "tlearn")):
            pts = sorted(
                (r["n"], r[field])
                for r in rows
                if (r["protocol"], r["method"], r["library"]) == (p, m, lib)
                and r["status"] == "ok"
                and r.get(field, 0) > 0
            )
            if pts:
                ax.plot(
                    *zip(*pts),
                    styles[lib],
                    marker=markers[lib],
                    color=colors[m],
                    label=f"{LABELS[m]} ({lib})",
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rows per domain (n source = n target), d = 200")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
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
        f"Caps: {s['max_seconds']:g} s per fit, {s['max_memory_gb']:g} GB per process; fits "
        f"under {REPEAT_BELOW_SECONDS:g} s repeated {s['repeats']} times (fastest kept); BLAS "
        f"threads: {s['blas_threads'] or 'default'}; CPUs: {report['machine']['cpus']}.",
        f"Libraries: {', '.join(report['libraries'])}.",
    ]
    for peer, why in report["peers_not_run"].items():
        lines.append(f"Not run: {peer} (import failed: {why}).")
    return "\n".join(lines) + "\n"


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
    sizes = (
        tuple(int(v) for v in args.sizes.split(","))
        if args.sizes
        else (QUICK_SIZES if args.quick else SIZES)
    )
    methods = METHODS
    if args.methods:
        wanted = [m.strip() for m in args.methods.split(",")]
        valid = [m for _, m in METHODS]
        bad = [m for m in wanted if m not in valid]
        if bad:
            parser.error(f"unknown methods {bad}; choose among {', '.join(valid)}")
        methods = tuple(pm for pm in METHODS if pm[1] in wanted)

    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.blas_threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.blas_threads)
    max_memory_kb = int(args.max_memory_gb * 1024**2)

    libraries, missing = ["tlearn"], {}
    if not args.no_peers:
        for peer in PEERS:
            ok, why = module_imports(PEER_IMPORTS[peer], env)
            if ok:
                libraries.append(peer)
            else:
                missing[peer] = why
    cells = [(p, m, lib) for p, m in methods for lib in libraries_of(p, m) if lib in libraries]

    report = {
        "benchmark": "scaling",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": [sys.executable, *sys.argv],
        "settings": {
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
        },
        "versions": package_versions(),
        "machine": machine_info(),
        "libraries": libraries,
        "peers_not_run": missing,
        "import_baseline_mb": {},
        "rows": [],
    }
    print(header(report), flush=True)
    print(f"Machine load at the start: {load_text()}.\n", flush=True)

    baselines = report["import_baseline_mb"]
    for library in libraries:
        r = run_worker(
            SCRIPT,
            {"library": library, "method": None},
            args.max_seconds,
            max_memory_kb,
            env,
        )
        baselines[library] = r.get("vmhwm_after_import_kb", 0) / 1024
        print(f"  import baseline {library}: {baselines[library]:.0f} MB", file=sys.stderr)

    rows = report["rows"]
    start = time.perf_counter()
    for protocol, method, library in cells:
        failed = None
        for n in sizes:
            row = {"protocol": protocol, "method": method, "library": library, "n": n}
            if failed:
                row.update(
                    status=failed["status"], skipped=f"{failed['status']} at {failed['n']:,}"
                )
                rows.append(row)
                continue
            spec = {"protocol": protocol, "method": method, "library": library, "n": n}
            r = run_cell(spec, args, max_memory_kb, env)
            row.update(r)
            if r["status"] == "ok":
                row["peak_mb"] = r["vmhwm_fit_kb"] / 1024 - baselines[library]
                shown = f"{r['fit_seconds']:.3g} s, {row['peak_mb']:.0f} MB"
            else:
                failed = {"status": r["status"], "n": n}
                shown = r["status"] + (f" ({r['error']})" if r.get("error") else "")
            rows.append(row)
            print(
                f"  {LABELS[method]:<30} {library:<6} n={n:<7,} {shown}  [{load_text()}]",
                file=sys.stderr,
                flush=True,
            )
    report["wall_seconds"] = time.perf_counter() - start
    report["machine"]["load_average_at_end"] = os.getloadavg()
    print(render(report))
    print(f"Wall time {report['wall_seconds']:.0f} s. Machine load at the end: {load_text()}.")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
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
    write_csv(RESULTS_DIR / f"{stem}.csv", fields, rows)
    write_json(RESULTS_DIR / f"{stem}.json", report)
    plot(rows, RESULTS_DIR / f"{stem}.png")
    print(f"\nWrote {RESULTS_DIR / stem}.csv, .json and .png.")


if __name__ == "__main__":
    main()
