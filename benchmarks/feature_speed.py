"""Fit time and peak memory of tlearn's feature-based methods, beside SKADA and ADAPT.

Synthetic data: ``tlearn.datasets.make_domain_shift("covariate", n_features=50,
n_classes=3, strength=2)`` with ``n`` source and ``n`` target rows. Every
(library, method, n) fit runs in a fresh Python subprocess, so that its peak
resident memory (``VmHWM``) is its own; the tables report that peak minus the
peak of a process that only imported the same libraries (so the data, about
``2 n d * 8`` bytes, is included), and the JSON also holds the increase during
``fit`` alone (the peak is reset just before ``fit`` through
``/proc/self/clear_refs``). A fit that runs longer than ``--max-seconds`` or
whose process grows past ``--max-memory-gb`` is killed and reported as
``timeout`` or ``OOM``; that (library, method) is then not tried at larger
sizes.

Methods and the settings shared by every library (translated to each
library's convention):

- TCA, linear and rbf kernel, exact kernel: ``n_components=20``, ``mu=1``
  (SKADA and ADAPT solve ``(I + mu K L K)^-1 K H K``, so their ``mu`` is the
  inverse of the paper's; ``1`` is its own inverse), rbf ``gamma=1/50``
  (``1/n_features``, the only value SKADA's TCA can use). tlearn's default
  solver is ARPACK on the exact kernel (``eigen_solver="auto"``); the row
  ``TCA rbf eigh`` forces its LAPACK path (``eigen_solver="dense"``).
- Low-rank TCA (tlearn only): rbf kernel, Nystrom on ``--landmarks`` rows.
- CORAL: ``lambda=1`` (ADAPT ``lambda_=1``; SKADA's shrinkage ``reg=0.5`` is the
  same map when the features have unit variance, approximately so here).
- SA: ``n_components=20``.

The final classifier is ``LogisticRegression()`` everywhere; the fit time is
that of the whole ``fit`` (adaptation and classifier), and the target accuracy
is reported to check that the fast path gives the same answer.

Usage::

    python benchmarks/feature_speed.py            # full run (tens of minutes)
    python benchmarks/feature_speed.py --quick    # smoke run, small sizes
    python benchmarks/feature_speed.py --no-peers --max-seconds 60

Writes markdown to stdout, and CSV, JSON and a log-log PNG of time against
``n`` under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

from _common import (
    RESULTS_DIR,
    module_imports,
    package_versions,
    reset_peak,
    run_repeated,
    run_worker,
    status_kb,
)

N_FEATURES = 50
N_COMPONENTS = 20
MU = 1.0
GAMMA = 1.0 / N_FEATURES
CORAL_LAMBDA = 1.0
SEED = 0

DENSE_SIZES = (500, 1000, 2000, 4000, 8000)
LOWRANK_SIZES = (500, 1000, 2000, 4000, 8000, 20000, 50000, 100000)
QUICK_DENSE_SIZES = (250, 500)
QUICK_LOWRANK_SIZES = (500, 5000)

# (method, libraries that have it), in table order.
METHODS = {
    "TCA linear": ("tlearn", "skada", "adapt"),
    "TCA rbf": ("tlearn", "skada", "adapt"),
    "TCA rbf eigh": ("tlearn",),
    "TCA rbf low-rank": ("tlearn",),
    "CORAL": ("tlearn", "skada", "adapt"),
    "SA": ("tlearn", "skada", "adapt"),
}
PEERS = ("skada", "adapt")

SCRIPT = Path(__file__).resolve()


# ============================================================================ worker side


def _import_library(library):
    """Import what a worker of ``library`` needs; the baseline imports exactly the same."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy  # noqa: F401
    from sklearn.linear_model import LogisticRegression  # noqa: F401

    from tlearn.datasets import make_domain_shift  # noqa: F401

    if library == "tlearn":
        import tlearn.feature  # noqa: F401
    elif library == "skada":
        import skada  # noqa: F401
    elif library == "adapt":
        import adapt.feature_based  # noqa: F401
    else:
        raise ValueError(library)


def _make_estimator(library, method, n_landmarks):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression()
    if library == "tlearn":
        from tlearn.feature import CORAL, TCA, SubspaceAlignment

        common = {"n_components": N_COMPONENTS, "mu": MU, "random_state": SEED}
        return {
            "TCA linear": lambda: TCA(clf, kernel="linear", **common),
            "TCA rbf": lambda: TCA(clf, kernel="rbf", gamma=GAMMA, **common),
            "TCA rbf eigh": lambda: TCA(
                clf, kernel="rbf", gamma=GAMMA, eigen_solver="dense", **common
            ),
            "TCA rbf low-rank": lambda: TCA(
                clf, kernel="rbf", gamma=GAMMA, n_landmarks=n_landmarks, **common
            ),
            "CORAL": lambda: CORAL(clf, reg=CORAL_LAMBDA),
            "SA": lambda: SubspaceAlignment(clf, n_components=N_COMPONENTS),
        }[method]()
    if library == "skada":
        import skada

        return {
            # SKADA's rbf kernel always has gamma = 1/n_features = GAMMA.
            "TCA linear": lambda: skada.TransferComponentAnalysis(
                clf, kernel="linear", n_components=N_COMPONENTS, mu=1 / MU
            ),
            "TCA rbf": lambda: skada.TransferComponentAnalysis(
                clf, kernel="rbf", n_components=N_COMPONENTS, mu=1 / MU
            ),
            "CORAL": lambda: skada.CORAL(clf, reg=CORAL_LAMBDA / (1 + CORAL_LAMBDA)),
            "SA": lambda: skada.SubspaceAlignment(
                clf, n_components=N_COMPONENTS, random_state=SEED
            ),
        }[method]()
    from adapt import feature_based as fb

    common = {"verbose": 0, "random_state": SEED}
    return {
        "TCA linear": lambda: fb.TCA(
            clf, n_components=N_COMPONENTS, mu=1 / MU, kernel="linear", **common
        ),
        "TCA rbf": lambda: fb.TCA(
            clf,
            n_components=N_COMPONENTS,
            mu=1 / MU,
            kernel="rbf",
            gamma=GAMMA,
            **common,
        ),
        "CORAL": lambda: fb.CORAL(clf, lambda_=CORAL_LAMBDA, **common),
        "SA": lambda: fb.SA(clf, n_components=N_COMPONENTS, **common),
    }[method]()


def worker(spec_path):
    """Run one fit described by the JSON file ``spec_path``; write ``result.json`` beside it."""
    spec = json.loads(Path(spec_path).read_text())
    out_dir = Path(spec_path).parent
    library = spec["library"]
    _import_library(library)
    result = {"vmhwm_after_import_kb": status_kb("VmHWM")}
    if spec["method"] is None:  # baseline: imports only
        (out_dir / "result.json").write_text(json.dumps(result))
        return
    import warnings

    import numpy as np

    from tlearn.datasets import make_domain_shift

    n = spec["n"]
    X, y_true, sample_domain = make_domain_shift(
        "covariate",
        n_source=n,
        n_target=n,
        n_features=N_FEATURES,
        n_classes=3,
        strength=2.0,
        mask_target_labels=False,
        random_state=SEED,
    )
    source = sample_domain >= 0
    y = np.where(source, y_true, -1)
    Xs, ys, Xt, yt = X[source], y[source], X[~source], y_true[~source]
    est = _make_estimator(library, spec["method"], spec["n_landmarks"])
    result["vmrss_before_fit_kb"] = status_kb("VmRSS")
    result["peak_reset"] = reset_peak()
    (out_dir / "ready").touch()  # the parent's clock for --max-seconds starts here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        if library == "adapt":
            est.fit(Xs, ys, Xt=Xt)
        else:
            est.fit(X, y, sample_domain=sample_domain)
        result["fit_seconds"] = time.perf_counter() - start
        result["vmhwm_fit_kb"] = status_kb("VmHWM")
        start = time.perf_counter()
        y_pred = est.predict(Xt, domain="tgt") if library == "adapt" else est.predict(Xt)
        result["predict_seconds"] = time.perf_counter() - start
    result["accuracy"] = 100.0 * float(np.mean(y_pred == yt))
    result["vmhwm_kb"] = status_kb("VmHWM")
    result["warnings"] = sorted(
        {f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}" for w in caught}
    )
    if library == "tlearn" and hasattr(est, "solver_"):
        result["solver"] = est.solver_
    (out_dir / "result.json").write_text(json.dumps(result))


# ============================================================================ parent side


def peer_available(library, env):
    """Whether ``library`` imports in a subprocess (without importing it here)."""
    return module_imports({"skada": "skada", "adapt": "adapt.feature_based"}[library], env)


def _ratio(x):
    return f"{x:.0f}x" if x >= 100 else f"{x:.1f}x" if x >= 1 else f"{x:.2f}x"


def cell_time(r):
    return f"{r['fit_seconds']:.3g}" if r["status"] == "ok" else r["status"]


def cell_mem(r):
    return f"{r['peak_mb']:.0f}" if r["status"] == "ok" else r["status"]


def cell_acc(r):
    return f"{r['accuracy']:.2f}" if r["status"] == "ok" else r["status"]


def table(title, rows_by_key, sizes, cell, keys):
    lines = [
        f"### {title}\n",
        "| method | library | " + " | ".join(f"n={n:,}" for n in sizes) + " |",
    ]
    lines.append("|---|---|" + "---|" * len(sizes))
    for method, library in keys:
        cells = []
        for n in sizes:
            r = rows_by_key.get((library, method, n))
            cells.append("—" if r is None else cell(r))
        lines.append(f"| {method} | {library} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio_table(rows_by_key, sizes, methods, peers):
    lines = [
        "### Peer fit time / tlearn fit time (> 1: tlearn is faster)\n",
        "| method | peer | " + " | ".join(f"n={n:,}" for n in sizes) + " |",
        "|---|---|" + "---|" * len(sizes),
    ]
    for method in methods:
        for peer in peers:
            if peer not in METHODS[method]:
                continue
            cells = []
            for n in sizes:
                ours = rows_by_key.get(("tlearn", method, n))
                theirs = rows_by_key.get((peer, method, n))
                if ours is None or theirs is None:
                    cells.append("—")
                elif ours["status"] != "ok":
                    cells.append(f"tlearn {ours['status']}")
                elif theirs["status"] != "ok" and "elapsed_seconds" in theirs:
                    bound = theirs["elapsed_seconds"] / ours["fit_seconds"]
                    cells.append(f"{theirs['status']} (> {_ratio(bound)})")
                elif theirs["status"] != "ok":
                    cells.append(theirs["status"])
                else:
                    cells.append(_ratio(theirs["fit_seconds"] / ours["fit_seconds"]))
            lines.append(f"| {method} | {peer} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _libraries(report):
    return report.get("libraries") or list(dict.fromkeys(r["library"] for r in report["rows"]))


def header(report):
    s = report["settings"]
    mu, lam = s["mu"], s["coral_lambda"]
    lines = [
        "# Speed and memory of tlearn's feature-based methods\n",
        f"Data: {s['data']}, random_state={SEED}, n source = n target rows.",
        f"Shared settings: n_components={s['n_components']}, mu={mu:g} (peers: mu={1 / mu:g}), "
        f"rbf gamma={s['gamma']:g} (1/n_features), CORAL lambda={lam:g} "
        f"(SKADA reg={s['skada_coral_reg']:g}), SA n_components={s['n_components']}, "
        f"Nystrom landmarks={s['n_landmarks']}; final classifier {s['classifier']}.",
        f"Caps: {s['max_seconds']:g} s per fit and predict, {s['max_memory_gb']:g} GB per "
        f"process; BLAS threads: {s['blas_threads'] or 'default'}; CPUs: "
        f"{report['machine']['cpus']}; repeats per cell: {s.get('repeats', 1)} (fastest kept).",
        f"Libraries: {', '.join(_libraries(report))}.",
    ]
    for peer, why in report["peers_not_run"].items():
        lines.append(f"Not run: {peer} (import failed: {why}).")
    return "\n".join(lines) + "\n"


def render(report):
    """The markdown tables of a finished run (``report`` as written to the JSON file)."""
    s, rows, libraries = report["settings"], report["rows"], _libraries(report)
    sizes, lowrank_sizes = s["sizes"], s["lowrank_sizes"]
    by_key = {(r["library"], r["method"], r["n"]): r for r in rows}
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    dense_methods = [m for m in methods if m != "TCA rbf low-rank"]
    keys = [(m, lib) for m in dense_methods for lib in METHODS[m] if lib in libraries]
    mem_title = "Peak memory (MB above the import-only baseline; includes the data)"
    out = []
    if dense_methods:
        out.append(
            f"## Exact methods, n source = n target in {', '.join(f'{n:,}' for n in sizes)}\n"
        )
        out.append(table("Fit time (s)", by_key, sizes, cell_time, keys) + "\n")
        if len(libraries) > 1:
            out.append(ratio_table(by_key, sizes, dense_methods, libraries[1:]) + "\n")
        out.append(table(mem_title, by_key, sizes, cell_mem, keys) + "\n")
        out.append(table("Target accuracy (%)", by_key, sizes, cell_acc, keys) + "\n")
    ours = by_key.get(("tlearn", "TCA rbf", 2000))
    peers_ok = [
        by_key[(p, "TCA rbf", 2000)]
        for p in libraries[1:]
        if by_key.get((p, "TCA rbf", 2000), {}).get("status") == "ok"
    ]
    if ours and ours["status"] == "ok" and peers_ok:
        best = min(peers_ok, key=lambda r: r["fit_seconds"])
        t_ours, t_peer = ours["fit_seconds"], best["fit_seconds"]
        out.append(
            f"**Exact-kernel TCA rbf at n = 2,000 per domain:** tlearn {t_ours:.2f} s "
            f"({ours.get('solver')}), fastest peer {best['library']} {t_peer:.2f} s: "
            f"{_ratio(t_peer / t_ours)}; target accuracy "
            f"{ours['accuracy']:.2f} vs {best['accuracy']:.2f}.\n"
        )
    if "TCA rbf low-rank" in methods:
        lr_keys = [("TCA rbf low-rank", "tlearn")]
        out.append(f"## Low-rank TCA (rbf, Nystrom, {s['n_landmarks']} landmarks), tlearn\n")
        out.append(table("Fit time (s)", by_key, lowrank_sizes, cell_time, lr_keys) + "\n")
        out.append(table(mem_title, by_key, lowrank_sizes, cell_mem, lr_keys) + "\n")
        out.append(table("Target accuracy (%)", by_key, lowrank_sizes, cell_acc, lr_keys) + "\n")
        big = by_key.get(("tlearn", "TCA rbf low-rank", max(lowrank_sizes)))
        if big and big["status"] == "ok":
            n_big = max(lowrank_sizes)
            out.append(
                f"**Low-rank TCA at {n_big:,} + {n_big:,} rows:** fit {big['fit_seconds']:.1f} s, "
                f"peak {big['vmhwm_kb'] / 1024**2:.2f} GB for the whole process "
                f"({big['peak_mb'] / 1024:.2f} GB above the import baseline, data included).\n"
            )
    notes = sorted({(r["library"], r["method"], w) for r in rows for w in r.get("warnings", [])})
    if notes:
        out.append("Warnings raised during the fits:\n")
        out.extend(f"- {method} / {library}: {w}" for library, method, w in notes)
        out.append("")
    return "\n".join(out)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {"tlearn": "-", "skada": "--", "adapt": ":"}
    markers = {"tlearn": "o", "skada": "s", "adapt": "^"}
    colors = dict(zip(METHODS, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for method, libraries in METHODS.items():
        for library in libraries:
            pts = sorted(
                (r["n"], r["fit_seconds"])
                for r in rows
                if r["method"] == method and r["library"] == library and r["status"] == "ok"
            )
            if pts:
                ax.plot(
                    *zip(*pts),
                    styles[library],
                    marker=markers[library],
                    color=colors[method],
                    label=f"{method} ({library})",
                )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows per domain (n source = n target), d = 50")
    ax.set_ylabel("fit time (s)")
    ax.set_title("Feature-based transfer: fit time vs n (one fresh process per fit)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="smoke run on small sizes")
    parser.add_argument("--no-peers", action="store_true", help="tlearn only")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="cap per fit (s)")
    parser.add_argument("--max-memory-gb", type=float, default=12.0, help="cap per process (GB)")
    parser.add_argument("--sizes", help="comma-separated rows per domain for the exact methods")
    parser.add_argument("--lowrank-sizes", help="comma-separated rows per domain, low-rank TCA")
    parser.add_argument("--landmarks", type=int, default=1000, help="Nystrom landmarks")
    parser.add_argument("--methods", help=f"comma-separated subset of: {', '.join(METHODS)}")
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="fresh processes per cell; the fastest is kept",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="pin BLAS/OpenMP threads in every worker",
    )
    parser.add_argument("--output", default=None, help="file stem under benchmarks/results/")
    parser.add_argument("--render", metavar="JSON", help="print the tables of a saved run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    if args.render:
        report = json.loads(Path(args.render).read_text())
        print(header(report))
        print(render(report))
        return

    def ints(text, default):
        return tuple(int(v) for v in text.split(",")) if text else default

    sizes = ints(args.sizes, QUICK_DENSE_SIZES if args.quick else DENSE_SIZES)
    lowrank_sizes = ints(args.lowrank_sizes, QUICK_LOWRANK_SIZES if args.quick else LOWRANK_SIZES)
    methods = tuple(METHODS)
    if args.methods:
        methods = tuple(m.strip() for m in args.methods.split(","))
        bad = [m for m in methods if m not in METHODS]
        if bad:
            parser.error(f"unknown methods {bad}; choose among {', '.join(METHODS)}")

    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.blas_threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.blas_threads)
    max_memory_kb = int(args.max_memory_gb * 1024**2)

    libraries = ["tlearn"]
    missing = {}
    if not args.no_peers:
        for peer in PEERS:
            ok, why = peer_available(peer, env)
            if ok:
                libraries.append(peer)
            else:
                missing[peer] = why

    report = {
        "benchmark": "feature_speed",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": [sys.executable, *sys.argv],
        "settings": {
            "n_features": N_FEATURES,
            "n_components": N_COMPONENTS,
            "mu": MU,
            "peer_mu": 1 / MU,
            "gamma": GAMMA,
            "coral_lambda": CORAL_LAMBDA,
            "skada_coral_reg": CORAL_LAMBDA / (1 + CORAL_LAMBDA),
            "n_landmarks": args.landmarks,
            "sizes": sizes,
            "lowrank_sizes": lowrank_sizes,
            "max_seconds": args.max_seconds,
            "max_memory_gb": args.max_memory_gb,
            "blas_threads": args.blas_threads,
            "repeats": args.repeats,
            "classifier": "LogisticRegression()",
            "data": f"make_domain_shift('covariate', n_features={N_FEATURES}, n_classes=3, "
            "strength=2)",
        },
        "versions": package_versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "libraries": libraries,
        "peers_not_run": missing,
        "import_baseline_mb": {},
        "rows": [],
    }
    print(header(report), flush=True)

    baselines = report["import_baseline_mb"]
    for library in libraries:
        r = run_worker(
            SCRIPT, {"library": library, "method": None}, args.max_seconds, max_memory_kb, env
        )
        baselines[library] = r.get("vmhwm_after_import_kb", 0) / 1024
        print(f"  import baseline {library}: {baselines[library]:.0f} MB", file=sys.stderr)

    rows = report["rows"]
    for method in methods:
        for library in METHODS[method]:
            if library not in libraries:
                continue
            failed = None
            for n in lowrank_sizes if method == "TCA rbf low-rank" else sizes:
                row = {"library": library, "method": method, "n": n}
                if failed:
                    row.update(
                        status=failed["status"],
                        skipped=f"{failed['status']} at n={failed['n']:,}",
                    )
                    rows.append(row)
                    continue
                spec = {
                    "library": library,
                    "method": method,
                    "n": n,
                    "n_landmarks": args.landmarks,
                }
                r = run_repeated(SCRIPT, spec, args.repeats, args.max_seconds, max_memory_kb, env)
                row.update(r)
                if r["status"] == "ok":
                    row["peak_mb"] = r["vmhwm_kb"] / 1024 - baselines[library]
                    row["fit_increase_mb"] = (
                        (r["vmhwm_fit_kb"] - r["vmrss_before_fit_kb"]) / 1024
                        if r["peak_reset"]
                        else None
                    )
                else:
                    failed = {"status": r["status"], "n": n}
                rows.append(row)
                if r["status"] == "ok":
                    shown = f"{r['fit_seconds']:.2f} s, {row['peak_mb']:.0f} MB, "
                    shown += f"acc {r['accuracy']:.2f}"
                else:
                    shown = r["status"] + (f" ({r['error']})" if r.get("error") else "")
                print(
                    f"  {method:<17} {library:<7} n={n:<7,} {shown}",
                    file=sys.stderr,
                    flush=True,
                )

    report["machine"]["load_average_at_end"] = os.getloadavg()
    print(render(report))

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = args.output or ("feature_speed_quick" if args.quick else "feature_speed")
    fields = [
        "library",
        "method",
        "n",
        "status",
        "fit_seconds",
        "predict_seconds",
        "accuracy",
        "peak_mb",
        "fit_increase_mb",
        "vmhwm_kb",
        "solver",
        "skipped",
        "error",
    ]
    with open(RESULTS_DIR / f"{stem}.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(rows, RESULTS_DIR / f"{stem}.png")
    print(f"Wrote {RESULTS_DIR / stem}.csv, .json and .png.")


if __name__ == "__main__":
    main()
