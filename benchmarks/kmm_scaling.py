"""KMM fit time and peak memory from 1,000 to 20,000 rows per domain, beside SKADA and ADAPT.

Synthetic data: ``tlearn.datasets.make_domain_shift("covariate", n_features=50,
n_classes=3, strength=2)`` with ``n`` source and ``n`` target rows (seed 0),
the data of ``feature_speed.py``. Every (library, variant, n) cell is one fit
in a fresh Python subprocess, so that its peak resident memory (``VmHWM``) is its
own; the tables report that peak at the end of ``fit`` minus the peak of a
process that only imported the same libraries (the data, ``2 n 50 * 8`` bytes,
is included). A fit that runs longer than ``--max-seconds`` or whose process
grows past ``--max-memory-gb`` is killed and reported as ``timeout`` or
``OOM``; that (library, variant) is then not tried at larger sizes. A fit
shorter than 10 s is repeated (``--repeats``, each in a fresh process) and the
fastest run kept. The grid runs size by size (every variant at the smallest n,
then the next n), so ``--n-jobs N`` runs N cells at once and skips the same
cells; the timings then include the contention, and 1 is the measuring setting.

Every KMM gets the same problem: rbf kernel, gamma from the median heuristic
(``tlearn.metrics.median_heuristic_gamma`` on the pooled rows, 1,000-row
subsample seeded 0, computed in the worker before the clock starts and passed
to every library), ``B = 1000`` and ``eps = (sqrt(n) - 1) / sqrt(n)`` (Huang
et al. 2006's values and every library's default), and the same final classifier,
``LogisticRegression()`` on the weighted source rows. The fit time is that of
the whole ``fit`` (weights and classifier). Variants:

- tlearn, default solver: GPCG on the exact kernel up to 5,000 source rows,
  on a Nystrom factor with 2,000 landmarks above (``solver_`` says which);
- tlearn, ``solver="cvxpy"``: the same terms handed to cvxpy/Clarabel;
- SKADA, ``KMMReweight`` (``KMMReweightAdapter``, its default Frank-Wolfe
  solver, 1,000 iterations; it does not enforce ``B``) and, with
  ``solver="scipy"``, SLSQP (which does);
- ADAPT, ``KMM`` with ``max_size=n`` (one cvxopt QP over all source rows, as
  the others) and with its default ``max_size=1000`` (the source rows split
  into independent batches of at most 1,000 rows: a different, cheaper
  problem).

After the fit (outside the clock) the worker checks the weights against
``0 <= w <= B`` and ``|sum(w) - n| <= n eps`` and computes the exact squared MMD
between the weighted source and the target (``--no-mmd`` to skip; ``O(n^2 d)``),
relative to the unweighted source: lower is a better solution of the same QP.

Usage::

    python benchmarks/kmm_scaling.py --peers    # 1k to 20k rows per domain (an hour or more)
    python benchmarks/kmm_scaling.py --quick    # 1k and 2k, 10 s caps (smoke run)
    python benchmarks/kmm_scaling.py --sizes 1000,20000 --variants tlearn:default
    python benchmarks/kmm_scaling.py --render benchmarks/results/kmm_scaling.json

Writes markdown to stdout, and CSV, JSON and a log-log PNG of time against
``n`` under ``benchmarks/results/``. BLAS is pinned to one thread in every
worker (``--blas-threads``, 1 by default; 0 leaves it as it is).

Reference: J. Huang, A. Smola, A. Gretton, K. Borgwardt and B. Schoelkopf,
"Correcting Sample Selection Bias by Unlabeled Data", NIPS 2006 (the QP, B and
eps).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported by path (the tests) rather than run
    sys.path.insert(0, str(HERE))

import _cli  # noqa: E402
import _speed  # noqa: E402
from _common import fmt_ratio, kmm_mmd2, kmm_violation, load_text, parse_choice  # noqa: E402
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
NAME = "kmm_scaling"

N_FEATURES = 50
B = 1000.0
SEED = 0
SIZES = (1000, 2000, 5000, 10000, 20000)
QUICK_SIZES = (1000, 2000)
MAX_SECONDS, QUICK_MAX_SECONDS = 600.0, 10.0
REPEATS, QUICK_REPEATS = 3, 1
REPEAT_BELOW_SECONDS = 10.0
#: tlearn's KMM with ``n_landmarks=None``, as its docstring states: "the exact kernel
#: matrix when there are at most 5,000 source rows, else the Nystrom factor on 2,000
#: landmarks" (``tests/test_benchmark_kmm_scaling.py`` checks the docstring still says so).
KMM_DENSE_MAX_SOURCE = 5_000
KMM_DEFAULT_LANDMARKS = 2_000

# (library, variant), in table order; the first is the reference of the ratios.
VARIANTS = (
    ("tlearn", "default"),
    ("tlearn", "cvxpy"),
    ("skada", "frank-wolfe"),
    ("skada", "scipy"),
    ("adapt", "one QP"),
    ("adapt", "max_size=1000"),
)
REFERENCE = VARIANTS[0]
# --quick leaves out SKADA's SLSQP (cubic in n: it passes any short cap even at 1,000 rows)
# and ADAPT's batches (at 1,000 rows the same QP as ADAPT's "one QP").
QUICK_VARIANTS = tuple(
    v for v in VARIANTS if v not in {("skada", "scipy"), ("adapt", "max_size=1000")}
)
PEER_MODULES = {"skada": "skada", "adapt": "adapt.instance_based"}


def huang_eps(n_source):
    """KMM's band width ``(sqrt(n) - 1) / sqrt(n)`` of Huang et al. (2006), every library's
    default."""
    root = math.sqrt(n_source)
    return (root - 1.0) / root


# ============================================================================ worker side


#: What every worker imports, and what a worker of each library imports besides.
WORKER_IMPORTS = (
    "numpy",
    "sklearn.linear_model",
    "tlearn.datasets",
    "tlearn.instance",
    "tlearn.metrics",
)
LIBRARY_IMPORTS = {"tlearn": (), "skada": ("skada",), "adapt": ("adapt.instance_based",)}


def _import_library(library):
    """Import what a worker of ``library`` needs; the baseline imports exactly the same."""
    import_modules((*WORKER_IMPORTS, *LIBRARY_IMPORTS[library]))
    if library == "tlearn":
        try:  # solver="cvxpy" imports it on use: import it before the clock, everywhere
            import cvxpy  # noqa: F401
        except ImportError:
            pass


def _fit(library, variant, X, y, sample_domain, gamma, eps):
    """Fit one variant; returns ``(predict function, source weights, info)``."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    source = sample_domain >= 0
    if library == "tlearn":
        from tlearn.instance import KMM

        solver = "cvxpy" if variant == "cvxpy" else "auto"
        model = KMM(
            LogisticRegression(), gamma=gamma, max_weight=B, eps=eps, solver=solver, random_state=0
        )
        model.fit(X, y, sample_domain=sample_domain)
        info = {
            "solver": model.solver_,
            "n_iter": int(model.n_iter_),
            "n_landmarks": model.n_landmarks_,
        }
        return model.predict, model.weights_, info
    if library == "skada":
        import skada

        pipe = skada.KMMReweight(
            LogisticRegression().set_fit_request(sample_weight=True),
            kernel="rbf",
            gamma=gamma,
            B=B,
            eps=eps,
            solver=variant,
        )
        pipe.fit(X, y, sample_domain=sample_domain)
        weights = pipe.steps[0][1].base_estimator_.source_weights_
        return pipe.predict, weights, {"solver": variant}
    from adapt.instance_based import KMM

    Xs, ys, Xt = X[source], y[source], X[~source]
    max_size = Xs.shape[0] if variant == "one QP" else 1000
    model = KMM(
        LogisticRegression(),
        Xt=Xt,
        kernel="rbf",
        gamma=gamma,
        B=B,
        eps=eps,
        max_size=max_size,
        verbose=0,
        random_state=0,
    )
    model.fit(Xs, ys)
    return (
        (lambda Z: model.predict(Z, domain="tgt")),
        np.asarray(model.weights_),
        {"max_size": max_size},
    )


def _fit_cell(spec, out_dir, result):
    """Fit one (library, variant) on ``n`` rows per domain; check its weights after the clock."""
    import numpy as np

    from tlearn.datasets import make_domain_shift
    from tlearn.metrics import median_heuristic_gamma

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
    gamma = median_heuristic_gamma(X, random_state=0)
    eps = huang_eps(int(source.sum()))
    result.update(gamma=gamma, eps=eps)
    (predict, weights, info), caught = timed_fit(
        out_dir,
        result,
        lambda: _fit(spec["library"], spec["variant"], X, y, sample_domain, gamma, eps),
    )
    result.update(info)
    result["warnings"] = warning_lines(caught)
    weights = np.asarray(weights, dtype=np.float64).ravel()
    result.update(kmm_violation(weights, B, eps))
    result["accuracy"] = 100.0 * float(np.mean(predict(X[~source]) == y_true[~source]))
    if spec["mmd"]:
        mmd2, mmd2_unweighted = kmm_mmd2(X[source], X[~source], weights, gamma)
        result.update(mmd2=mmd2, mmd2_ratio=mmd2 / mmd2_unweighted)


def worker(spec_path):
    """Run one fit described by the JSON file ``spec_path``; write ``result.json`` beside it."""
    worker_main(spec_path, _import_library, _fit_cell, job="variant")


# ============================================================================ the grid


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick=f"smoke run: n in {_speed.size_text(QUICK_SIZES)}, {QUICK_MAX_SECONDS:g} s cap, "
        "no repeats,\nno SKADA SLSQP nor ADAPT batches",
        n_jobs_note=_speed.N_JOBS_NOTE,
    )
    _speed.add_speed_options(
        parser,
        sizes_help="comma-separated rows per domain, run in increasing order\n(default: "
        f"{_speed.size_text(SIZES)}; {_speed.size_text(QUICK_SIZES)} with --quick)",
        max_seconds=MAX_SECONDS,
        quick_max_seconds=QUICK_MAX_SECONDS,
        max_memory_gb=10.0,
        repeats=REPEATS,
        quick_repeats=QUICK_REPEATS,
        repeat_below=REPEAT_BELOW_SECONDS,
    )
    parser.add_argument(
        "--variants",
        help="comma-separated library:variant subset (default: all; with --quick, all but\n"
        "skada:scipy and adapt:max_size=1000) of:\n"
        + ",\n".join(", ".join(f"{lib}:{var}" for lib, var in VARIANTS[i : i + 3]) for i in (0, 3)),
    )
    parser.add_argument("--no-mmd", action="store_true", help="skip the exact MMD check")
    return parser


def parse_args(argv=None):
    """The arguments, with the defaults that depend on ``--quick`` filled in."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _cli.finish(parser, args)
    _speed.finish_speed_options(parser, args)
    args.sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    args.variant_list = QUICK_VARIANTS if args.quick else VARIANTS
    if args.variants:
        names = [f"{lib}:{var}" for lib, var in VARIANTS]
        wanted = parse_choice(args.variants, names, parser, "variants")
        args.variant_list = tuple(tuple(v.split(":", 1)) for v in wanted)
    return args


def prepare(args):
    """The plan of a run: the libraries that import, the lines of the grid, the settings."""
    grid = _speed.grid_settings(SCRIPT, args, "variant", mmd=not args.no_mmd)
    used = {lib for lib, _ in args.variant_list}  # a peer without a variant to run is not tried
    peers = {p: m for p, m in PEER_MODULES.items() if p in used} if args.peers else {}
    libraries, missing = _speed.available_libraries(peers, _speed.cell_env(grid))
    lines = [
        ({"library": lib, "variant": var}, tuple(args.sizes))
        for lib, var in args.variant_list
        if lib in libraries
    ]
    return {
        "args": args,
        "libraries": libraries,
        "missing": missing,
        "lines": lines,
        "grid": grid,
        "full": tuple(args.sizes) == SIZES and not args.quick,
    }


def describe(plan):
    """What the JSON report says of a run before any fit."""
    args = plan["args"]
    settings = {
        "n_features": N_FEATURES,
        "B": B,
        "sizes": tuple(args.sizes),
        "max_seconds": args.max_seconds,
        "max_memory_gb": args.max_memory_gb,
        "repeats": args.repeats,
        "blas_threads": args.blas_threads or _speed.blas_inherited()["OPENBLAS_NUM_THREADS"],
        "classifier": "LogisticRegression()",
        "data": f"make_domain_shift('covariate', n_features={N_FEATURES}, n_classes=3, "
        f"strength=2, random_state={SEED})",
        "variants": [f"{f['library']}:{f['variant']}" for f, _ in plan["lines"]],
        "mmd": not args.no_mmd,
        "kmm_dense_max_source": KMM_DENSE_MAX_SOURCE,
        "kmm_default_landmarks": KMM_DEFAULT_LANDMARKS,
    }
    return _speed.new_report(NAME, settings, plan["libraries"], plan["missing"], args)


def run_cell(cell, payload, settings):
    """One (library, variant, n) cell: its fit in a fresh process, then the repeats (no MMD)."""
    spec = {**cell, "mmd": settings["mmd"]}
    r = _speed.repeat_fit(
        settings, spec, REPEAT_BELOW_SECONDS, repeat_spec={**spec, "mmd": False}, keep_first=True
    )
    return _speed.record(cell, r, settings, "vmhwm_fit_kb")


def show(row):
    """The progress line of a finished cell (stderr)."""
    if row["status"] == "ok":
        shown = (
            f"{row['fit_seconds']:.3g} s, {row['peak_mb']:.0f} MB, "
            f"viol {row['max_violation']:.3g}, mmd {row.get('mmd2_ratio', float('nan')):.4f}"
        )
    else:
        shown = status_text(row)
    return f"  {row['library']:<6} {row['variant']:<14} n={row['n']:<7,} {shown}  [{load_text()}]"


# ============================================================================ output


#: How a finished run shows in the tables other than fit time and memory.
CELLS = {
    "mmd": lambda r: f"{r['mmd2_ratio']:.4f}" if "mmd2_ratio" in r else "—",
    "violation": lambda r: "0" if r["max_violation"] == 0 else f"{r['max_violation']:.3g}",
    "accuracy": lambda r: f"{r['accuracy']:.2f}",
}


def header_text(report):
    s = report["settings"]
    lines = [
        "# KMM scaling: fit time and memory against n\n",
        f"Data: {s['data']}, n source = n target rows. KMM: rbf kernel, gamma by the median "
        f"heuristic (the same value for every library), B = {s['B']:g}, eps = (sqrt(n) - 1) / "
        f"sqrt(n); final classifier {s['classifier']}.",
        caps_line(report, REPEAT_BELOW_SECONDS),
    ]
    return _speed.header_text(lines, report)


def results_text(report):
    """The tables of a finished run, the goal's verdict and the run."""
    rows, sizes = report["rows"], report["settings"]["sizes"]
    by_key = {(r["library"], r["variant"], r["n"]): r for r in rows}
    keys = [k for k in VARIANTS if any((*k, n) in by_key for n in sizes)]
    head = ["library", "variant"]
    out = [f"## n source = n target in {', '.join(f'{n:,}' for n in sizes)}\n"]

    def table(title, text):
        out.append(size_table(title, head, keys, sizes, by_key, text))

    table("Fit time (s; weights and classifier; fastest of the repeats)", fit_time)
    out.append(
        titled_table(
            "Fit time / tlearn default's (> 1: tlearn's default is faster)",
            [*head, *(f"n={n:,}" for n in sizes)],
            ratio_rows(keys, sizes, by_key, lambda k: REFERENCE),
        )
    )
    table(
        "Peak memory (MB at the end of fit, above the import-only baseline; data included)",
        peak_memory,
    )
    table(
        "Exact MMD² of the weighted source to the target / MMD² of the unweighted source "
        "(lower is better)",
        CELLS["mmd"],
    )
    table(
        f"Largest violation of 0 <= w <= B (B = {B:g}) and |sum(w) - n| <= n eps (0: none)",
        CELLS["violation"],
    )
    table("Target accuracy (%) of the final classifier", CELLS["accuracy"])
    solver_rows = [
        [
            f"{n:,}",
            by_key[(*REFERENCE, n)].get("solver", "—"),
            by_key[(*REFERENCE, n)].get("n_iter", "—"),
        ]
        for n in sizes
        if by_key.get((*REFERENCE, n), {}).get("status") == "ok"
    ]
    if solver_rows:
        out.append(
            titled_table(
                "tlearn's default path", ["n", "solver_", "products with K (n_iter_)"], solver_rows
            )
        )
    notes = sorted({(r["library"], r["variant"], w) for r in rows for w in r.get("warnings", [])})
    if notes:
        out.append("Warnings raised during the fits:\n")
        out.extend(f"- {lib} / {var}: {w}" for lib, var, w in notes)
        out.append("")
    out.append(goal(by_key, sizes, keys))
    out.append(_speed.run_text(report))
    return "\n".join(out)


def goal(by_key, sizes, keys):
    lines = ["### Goal: at least as fast as the peers at 1,000 rows, and finishes at 20,000\n"]
    ours = by_key.get((*REFERENCE, 1000))
    if ours and ours["status"] == "ok":
        for lib, var in keys:
            if lib == "tlearn":
                continue
            theirs = by_key.get((lib, var, 1000))
            if theirs is None:
                continue
            if theirs["status"] == "ok":
                verdict = "yes" if ours["fit_seconds"] <= theirs["fit_seconds"] else "NO"
                lines.append(
                    f"- 1,000 rows vs {lib} {var}: tlearn {ours['fit_seconds']:.3g} s, "
                    f"{lib} {theirs['fit_seconds']:.3g} s "
                    f"({fmt_ratio(theirs['fit_seconds'] / ours['fit_seconds'])}): {verdict}."
                )
            else:
                lines.append(f"- 1,000 rows vs {lib} {var}: {lib} {theirs['status']}: yes.")
    big = by_key.get((*REFERENCE, max(sizes)))
    if big:
        lines.append(
            f"- {max(sizes):,} rows: tlearn default "
            + (
                f"finishes in {big['fit_seconds']:.3g} s ({big.get('solver')}), peak "
                f"{big['peak_mb']:.0f} MB above the import baseline."
                if big["status"] == "ok"
                else f"does NOT finish ({big['status']})."
            )
        )
    return "\n".join(lines) + "\n"


def render(report):
    """The whole output of a run, from its report (``--render``)."""
    return header_text(report) + "\n" + results_text(report)


def plot_report(report, path):
    """Fit time against n, a line per (library, variant), as a PNG."""
    rows, s = report["rows"], report["settings"]
    dense_max = s.get("kmm_dense_max_source", KMM_DENSE_MAX_SOURCE)  # older reports: none
    landmarks = s.get("kmm_default_landmarks", KMM_DEFAULT_LANDMARKS)
    plt = pyplot()
    colors = dict(zip(VARIANTS, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, ax = plt.subplots(figsize=(8, 5.5))
    lines = [
        (
            lib,
            colors[(lib, var)],
            f"{lib} {var}",
            sorted(
                (r["n"], r["fit_seconds"])
                for r in rows
                if (r["library"], r["variant"]) == (lib, var) and r["status"] == "ok"
            ),
        )
        for lib, var in VARIANTS
    ]
    plot_lines(ax, lines, "fit time (s)", s["n_features"])
    ax.axvline(dense_max, color="grey", linestyle="-.", linewidth=0.8)
    ax.annotate(
        f"tlearn default: exact kernel up to {dense_max:,} source rows,\n"
        f"Nystrom ({landmarks:,} landmarks) above",
        xy=(dense_max, 0.02),
        xycoords=("data", "axes fraction"),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=7,
        color="grey",
    )
    ax.set_title("KMM: fit time vs n (one fresh process per fit)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


CSV_FIELDS = [
    "library",
    "variant",
    "n",
    "status",
    "fit_seconds",
    "peak_mb",
    "accuracy",
    "mmd2_ratio",
    "max_violation",
    "above_B",
    "max_weight",
    "solver",
    "n_iter",
    "gamma",
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
    paths = _speed.write_outputs(report, stem, CSV_FIELDS, plot_report, "kmm_scaling.py")
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
