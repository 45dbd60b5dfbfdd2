"""Fit time and peak memory of tlearn's feature-based methods, beside SKADA and ADAPT.

Synthetic data: ``tlearn.datasets.make_domain_shift("covariate", n_features=50,
n_classes=3, strength=2)`` with ``n`` source and ``n`` target rows. Every
(library, method, n) cell is one fit in a fresh Python subprocess (or
``--repeats`` of them, the fastest kept), so that its peak
resident memory (``VmHWM``) is its own; the tables report that peak minus the
peak of a process that only imported the same libraries (so the data, about
``2 n d * 8`` bytes, is included), and the JSON also holds the increase during
``fit`` alone (the peak is reset just before ``fit`` through
``/proc/self/clear_refs``). A fit that runs longer than ``--max-seconds`` or
whose process grows past ``--max-memory-gb`` is killed and reported as
``timeout`` or ``OOM``; that (library, method) is then not tried at larger
sizes. The grid runs size by size (every method at the smallest n, then the
next n), so ``--n-jobs N`` runs N cells at once and skips the same cells; the
timings then include the contention, and 1 is the measuring setting.

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

    python benchmarks/feature_speed.py --peers    # full run (tens of minutes)
    python benchmarks/feature_speed.py --quick    # smoke run, small sizes
    python benchmarks/feature_speed.py --max-seconds 60 --methods "TCA rbf,SA"
    python benchmarks/feature_speed.py --render benchmarks/results/feature_speed.json

Writes markdown to stdout, and CSV, JSON and a log-log PNG of time against
``n`` under ``benchmarks/results/``. BLAS is pinned to one thread in every
worker (``--blas-threads``, 1 by default; 0 leaves it as it is).
"""

from __future__ import annotations

import sys
import time
from operator import itemgetter
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported by path (the tests) rather than run
    sys.path.insert(0, str(HERE))

import _cli  # noqa: E402
import _speed  # noqa: E402
from _common import fmt_ratio, parse_choice, run_repeated, status_kb  # noqa: E402
from _speed import (  # noqa: E402
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
PEER_MODULES = {"skada": "skada", "adapt": "adapt.feature_based"}

SCRIPT = Path(__file__).resolve()
NAME = "feature_speed"


# ============================================================================ worker side


#: What every worker imports, and what a worker of each library imports besides.
WORKER_IMPORTS = ("numpy", "sklearn.linear_model", "tlearn.datasets")
LIBRARY_IMPORTS = {
    "tlearn": ("tlearn.feature",),
    "skada": ("skada",),
    "adapt": ("adapt.feature_based",),
}


def _import_library(library):
    """Import what a worker of ``library`` needs; the baseline imports exactly the same."""
    import_modules((*WORKER_IMPORTS, *LIBRARY_IMPORTS[library]))


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


def _fit_cell(spec, out_dir, result):
    """Fit one (library, method) on ``n`` rows per domain, then predict the target rows.

    Both are within the time cap (no ``done`` mark); only the fit is in ``fit_seconds``.
    """
    import warnings

    import numpy as np

    from tlearn.datasets import make_domain_shift

    library = spec["library"]
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

    def fit():
        if library == "adapt":
            est.fit(Xs, ys, Xt=Xt)
        else:
            est.fit(X, y, sample_domain=sample_domain)

    _, fit_warnings = timed_fit(out_dir, result, fit, done=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        y_pred = est.predict(Xt, domain="tgt") if library == "adapt" else est.predict(Xt)
        result["predict_seconds"] = time.perf_counter() - start
    result["accuracy"] = 100.0 * float(np.mean(y_pred == yt))
    result["vmhwm_kb"] = status_kb("VmHWM")
    result["warnings"] = warning_lines([*fit_warnings, *caught])
    if library == "tlearn" and hasattr(est, "solver_"):
        result["solver"] = est.solver_


def worker(spec_path):
    """Run one fit described by the JSON file ``spec_path``; write ``result.json`` beside it."""
    worker_main(spec_path, _import_library, _fit_cell)


# ============================================================================ the grid


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick="smoke run on small sizes: n in "
        f"{_speed.size_text(QUICK_DENSE_SIZES)} (exact methods) and "
        f"{_speed.size_text(QUICK_LOWRANK_SIZES)} (low-rank TCA)",
        n_jobs_note=_speed.N_JOBS_NOTE,
    )
    group = _speed.add_speed_options(
        parser,
        sizes_help="comma-separated rows per domain of the exact methods, run in increasing\n"
        f"order (default: {_speed.size_text(DENSE_SIZES)}; "
        f"{_speed.size_text(QUICK_DENSE_SIZES)} with --quick)",
        max_seconds=120.0,
        max_seconds_help="cap per fit (s), from the start of the fit to the worker's exit\n"
        "(prediction included)",
        max_memory_gb=12.0,
        repeats=1,
    )
    group.add_argument(
        "--lowrank-sizes",
        type=_speed.size_list,
        help="comma-separated rows per domain of low-rank TCA\n(default: "
        f"{_speed.size_text(LOWRANK_SIZES)}; {_speed.size_text(QUICK_LOWRANK_SIZES)} "
        "with --quick)",
    )
    parser.add_argument("--landmarks", type=int, default=1000, help="Nystrom landmarks")
    parser.add_argument(
        "--methods",
        help=f"comma-separated subset of the methods (default: all):\n{', '.join(METHODS)}",
    )
    return parser


def parse_args(argv=None):
    """The arguments, with the defaults that depend on ``--quick`` filled in."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _cli.finish(parser, args)
    _speed.finish_speed_options(parser, args)
    args.sizes = args.sizes or (QUICK_DENSE_SIZES if args.quick else DENSE_SIZES)
    args.lowrank_sizes = args.lowrank_sizes or (
        QUICK_LOWRANK_SIZES if args.quick else LOWRANK_SIZES
    )
    if args.landmarks < 1:
        parser.error("--landmarks must be at least 1")
    args.method_list = tuple(METHODS)
    if args.methods:
        args.method_list = parse_choice(args.methods, tuple(METHODS), parser, "methods")
    return args


def prepare(args):
    """The plan of a run: the libraries that import, the lines of the grid, the settings."""
    grid = _speed.grid_settings(SCRIPT, args, "method", n_landmarks=args.landmarks)
    libraries, missing = _speed.available_libraries(
        PEER_MODULES if args.peers else {}, _speed.cell_env(grid)
    )
    lines = [
        (
            {"library": library, "method": method},
            tuple(args.lowrank_sizes if method == "TCA rbf low-rank" else args.sizes),
        )
        for method in args.method_list
        for library in METHODS[method]
        if library in libraries
    ]
    return {
        "args": args,
        "libraries": libraries,
        "missing": missing,
        "lines": lines,
        "grid": grid,
        "full": not args.quick,
    }


def describe(plan):
    """What the JSON report says of a run before any fit."""
    args = plan["args"]
    settings = {
        "n_features": N_FEATURES,
        "n_components": N_COMPONENTS,
        "mu": MU,
        "peer_mu": 1 / MU,
        "gamma": GAMMA,
        "coral_lambda": CORAL_LAMBDA,
        "skada_coral_reg": CORAL_LAMBDA / (1 + CORAL_LAMBDA),
        "n_landmarks": args.landmarks,
        "sizes": tuple(args.sizes),
        "lowrank_sizes": tuple(args.lowrank_sizes),
        "max_seconds": args.max_seconds,
        "max_memory_gb": args.max_memory_gb,
        "blas_threads": args.blas_threads,
        "repeats": args.repeats,
        "classifier": "LogisticRegression()",
        "data": f"make_domain_shift('covariate', n_features={N_FEATURES}, n_classes=3, strength=2)",
        "methods": list(args.method_list),
    }
    return _speed.new_report(NAME, settings, plan["libraries"], plan["missing"], args)


def run_cell(cell, payload, settings):
    """One (library, method, n) cell: ``--repeats`` fits, each in a fresh process."""
    spec = {**cell, "n_landmarks": settings["n_landmarks"]}
    r = run_repeated(
        settings["script"],
        spec,
        settings["repeats"],
        settings["max_seconds"],
        settings["max_memory_kb"],
        _speed.cell_env(settings),
    )
    row = _speed.record(cell, r, settings, "vmhwm_kb")
    if r["status"] == "ok":
        row["fit_increase_mb"] = (
            (r["vmhwm_fit_kb"] - r["vmrss_before_fit_kb"]) / 1024 if r["peak_reset"] else None
        )
    return row


def show(row):
    """The progress line of a finished cell (stderr)."""
    if row["status"] == "ok":
        shown = f"{row['fit_seconds']:.2f} s, {row['peak_mb']:.0f} MB, acc {row['accuracy']:.2f}"
    else:
        shown = status_text(row)
    return f"  {row['method']:<17} {row['library']:<7} n={row['n']:<7,} {shown}"


# ============================================================================ output


def cell_acc(r):
    """The target accuracy of a finished run (%)."""
    return f"{r['accuracy']:.2f}"


def _ratio_cell(ours, theirs):
    """Peer fit time / tlearn's, a bound if the peer was killed, or why there is no ratio."""
    if ours is None or theirs is None:
        return "—"
    if ours["status"] != "ok":
        return f"tlearn {ours['status']}"
    if theirs["status"] != "ok" and "elapsed_seconds" in theirs:
        bound = theirs["elapsed_seconds"] / ours["fit_seconds"]
        return f"{theirs['status']} (> {fmt_ratio(bound)})"
    if theirs["status"] != "ok":
        return theirs["status"]
    return fmt_ratio(theirs["fit_seconds"] / ours["fit_seconds"])


def ratio_table(by_key, sizes, methods, peers):
    """Peer fit time / tlearn's, a row per (method, peer) that has the method."""
    keys = [(m, peer) for m in methods for peer in peers if peer in METHODS[m]]
    return titled_table(
        "Peer fit time / tlearn fit time (> 1: tlearn is faster)",
        ["method", "peer", *(f"n={n:,}" for n in sizes)],
        ratio_rows(keys, sizes, by_key, lambda k: (k[0], "tlearn"), cell=_ratio_cell),
    )


def _libraries(report):
    return report.get("libraries") or list(dict.fromkeys(r["library"] for r in report["rows"]))


def header_text(report):
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
    ]
    return _speed.header_text(lines, {**report, "libraries": _libraries(report)})


def results_text(report):
    """The markdown tables of a finished run (``report`` as written to the JSON file)."""
    s, rows, libraries = report["settings"], report["rows"], _libraries(report)
    sizes, lowrank_sizes = s["sizes"], s["lowrank_sizes"]
    by_key = {(r["method"], r["library"], r["n"]): r for r in rows}
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    dense_methods = [m for m in methods if m != "TCA rbf low-rank"]
    keys = [(m, lib) for m in dense_methods for lib in METHODS[m] if lib in libraries]
    mem_title = "Peak memory (MB above the import-only baseline; includes the data)"
    out = []

    def table(title, sizes, keys, text):
        head = ["method", "library"]
        out.append(size_table(title, head, keys, sizes, by_key, text, failed=itemgetter("status")))

    if dense_methods:
        out.append(
            f"## Exact methods, n source = n target in {', '.join(f'{n:,}' for n in sizes)}\n"
        )
        table("Fit time (s)", sizes, keys, fit_time)
        if len(libraries) > 1:
            out.append(ratio_table(by_key, sizes, dense_methods, libraries[1:]))
        table(mem_title, sizes, keys, peak_memory)
        table("Target accuracy (%)", sizes, keys, cell_acc)
    ours = by_key.get(("TCA rbf", "tlearn", 2000))
    peers_ok = [
        by_key[("TCA rbf", p, 2000)]
        for p in libraries[1:]
        if by_key.get(("TCA rbf", p, 2000), {}).get("status") == "ok"
    ]
    if ours and ours["status"] == "ok" and peers_ok:
        best = min(peers_ok, key=lambda r: r["fit_seconds"])
        t_ours, t_peer = ours["fit_seconds"], best["fit_seconds"]
        out.append(
            f"**Exact-kernel TCA rbf at n = 2,000 per domain:** tlearn {t_ours:.2f} s "
            f"({ours.get('solver')}), fastest peer {best['library']} {t_peer:.2f} s: "
            f"{fmt_ratio(t_peer / t_ours)}; target accuracy "
            f"{ours['accuracy']:.2f} vs {best['accuracy']:.2f}.\n"
        )
    if "TCA rbf low-rank" in methods:
        lr_keys = [("TCA rbf low-rank", "tlearn")]
        out.append(f"## Low-rank TCA (rbf, Nystrom, {s['n_landmarks']} landmarks), tlearn\n")
        table("Fit time (s)", lowrank_sizes, lr_keys, fit_time)
        table(mem_title, lowrank_sizes, lr_keys, peak_memory)
        table("Target accuracy (%)", lowrank_sizes, lr_keys, cell_acc)
        big = by_key.get(("TCA rbf low-rank", "tlearn", max(lowrank_sizes)))
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
    out.append(_speed.run_text(report))
    return "\n".join(out)


def render(report):
    """The whole output of a run, from its report (``--render``)."""
    return header_text(report) + "\n" + results_text(report)


def plot_report(report, path):
    """Fit time against n, a line per (method, library), as a PNG."""
    rows = report["rows"]
    plt = pyplot()
    colors = dict(zip(METHODS, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, ax = plt.subplots(figsize=(8, 5.5))
    lines = [
        (
            library,
            colors[method],
            f"{method} ({library})",
            sorted(
                (r["n"], r["fit_seconds"])
                for r in rows
                if r["method"] == method and r["library"] == library and r["status"] == "ok"
            ),
        )
        for method, libraries in METHODS.items()
        for library in libraries
    ]
    plot_lines(ax, lines, "fit time (s)", N_FEATURES)
    ax.set_title("Feature-based transfer: fit time vs n (one fresh process per fit)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


CSV_FIELDS = [
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
        args,
        run_cell,
        plan["lines"],
        plan["libraries"],
        plan["grid"],
        show,
        NAME,
        skipped="{status} at n={n:,}",
    )
    _speed.finish_report(report, rows, baselines, info)
    print(results_text(report))
    stem = _cli.output_stem(args, NAME, plan["full"])
    paths = _speed.write_outputs(report, stem, CSV_FIELDS, plot_report, "feature_speed.py")
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
