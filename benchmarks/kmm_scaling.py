"""KMM fit time and peak memory from 1,000 to 20,000 rows per domain, beside SKADA and ADAPT.

Synthetic data: ``tlearn.datasets.make_domain_shift("covariate", n_features=50,
n_classes=3, strength=2)`` with ``n`` source and ``n`` target rows (seed 0),
the data of ``feature_speed.py``. Every (library, variant, n) fit runs in a
fresh Python subprocess, so that its peak resident memory (``VmHWM``) is its
own; the tables report that peak at the end of ``fit`` minus the peak of a
process that only imported the same libraries (the data, ``2 n 50 * 8`` bytes,
is included). A fit that runs longer than ``--max-seconds`` or whose process
grows past ``--max-memory-gb`` is killed and reported as ``timeout`` or
``OOM``; that (library, variant) is then not tried at larger sizes. A fit
shorter than 10 s is repeated (``--repeats``, each in a fresh process) and the
fastest run kept.

Every KMM gets the same problem: rbf kernel, gamma from the median heuristic
(tlearn's ``median_heuristic_gamma`` on the pooled rows, 1,000-row subsample
seeded 0, computed in the worker before the clock starts and passed to every
library), ``B = 1000`` and ``eps = (sqrt(n) - 1) / sqrt(n)`` (the paper's
values and every library's default), and the same final classifier,
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

    python benchmarks/kmm_scaling.py            # 1k to 20k rows per domain (an hour or more)
    python benchmarks/kmm_scaling.py --quick    # 1k and 2k, 10 s caps (smoke run)
    python benchmarks/kmm_scaling.py --no-peers --sizes 1000,20000

Writes markdown to stdout, and CSV, JSON and a log-log PNG of time against
``n`` under ``benchmarks/results/``. Pin BLAS to one thread
(``OPENBLAS_NUM_THREADS=1``, or ``--blas-threads 1``) on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from _common import fmt_ratio, kmm_mmd2, kmm_violation, load_text, machine_info
from _speed import (
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

N_FEATURES = 50
B = 1000.0
SEED = 0
SIZES = (1000, 2000, 5000, 10000, 20000)
QUICK_SIZES = (1000, 2000)
QUICK_MAX_SECONDS = 10.0
REPEAT_BELOW_SECONDS = 10.0

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


# ============================================================================ worker side


#: What every worker imports, and what a worker of each library imports besides.
WORKER_IMPORTS = ("numpy", "sklearn.linear_model", "tlearn.datasets", "tlearn.instance")
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
        model = KMM(LogisticRegression(), gamma=gamma, B=B, eps=eps, solver=solver, random_state=0)
        model.fit(X, y, sample_domain=sample_domain)
        info = {"solver": model.solver_, "n_iter": int(model.n_iter_)}
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
    from tlearn.instance._kmm import default_eps, median_heuristic_gamma

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
    eps = default_eps(int(source.sum()))
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


# ============================================================================ parent side


#: How a finished run shows in the tables other than fit time and memory.
CELLS = {
    "mmd": lambda r: f"{r['mmd2_ratio']:.4f}" if "mmd2_ratio" in r else "—",
    "violation": lambda r: "0" if r["max_violation"] == 0 else f"{r['max_violation']:.3g}",
    "accuracy": lambda r: f"{r['accuracy']:.2f}",
}


def render(report):
    rows, sizes = report["rows"], report["settings"]["sizes"]
    by_key = {(r["library"], r["variant"], r["n"]): r for r in rows}
    keys = [k for k in VARIANTS if any((*k, n) in by_key for n in sizes)]
    head = ["library", "variant"]
    out = []

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


def plot(rows, path):
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
    plot_lines(ax, lines, "fit time (s)", N_FEATURES)
    from tlearn.instance._kmm import DEFAULT_LANDMARKS, DENSE_MAX_SOURCE

    ax.axvline(DENSE_MAX_SOURCE, color="grey", linestyle="-.", linewidth=0.8)
    ax.annotate(
        f"tlearn default: exact kernel up to {DENSE_MAX_SOURCE:,} source rows,\n"
        f"Nystrom ({DEFAULT_LANDMARKS:,} landmarks) above",
        xy=(DENSE_MAX_SOURCE, 0.02),
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


def header(report):
    s = report["settings"]
    lines = [
        "# KMM scaling: fit time and memory against n\n",
        f"Data: {s['data']}, n source = n target rows. KMM: rbf kernel, gamma by the median "
        f"heuristic (the same value for every library), B = {s['B']:g}, eps = (sqrt(n) - 1) / "
        f"sqrt(n); final classifier {s['classifier']}.",
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
        help=f"smoke run: n in {QUICK_SIZES}, {QUICK_MAX_SECONDS:g} s cap, no repeats, "
        "no SKADA SLSQP nor ADAPT batches",
    )
    parser.add_argument("--no-peers", action="store_true", help="tlearn only")
    parser.add_argument("--sizes", help="comma-separated rows per domain")
    parser.add_argument(
        "--variants",
        help="comma-separated library:variant subset, e.g. tlearn:default,adapt:one QP",
    )
    parser.add_argument("--max-seconds", type=float, default=None, help="cap per fit (s; 600)")
    parser.add_argument("--max-memory-gb", type=float, default=10.0, help="cap per process (GB)")
    parser.add_argument("--repeats", type=int, default=None, help="runs of a fit under 10 s (3)")
    parser.add_argument("--no-mmd", action="store_true", help="skip the exact MMD check")
    parser.add_argument("--blas-threads", type=int, default=None, help="pin BLAS threads")
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
        plot(report["rows"], Path(args.render).with_suffix(".png"))
        return
    if args.max_seconds is None:
        args.max_seconds = QUICK_MAX_SECONDS if args.quick else 600.0
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    sizes = parse_sizes(args.sizes, QUICK_SIZES if args.quick else SIZES)
    variants = QUICK_VARIANTS if args.quick else VARIANTS
    if args.variants:
        variants = tuple(tuple(v.strip().split(":", 1)) for v in args.variants.split(","))
        bad = [v for v in variants if v not in VARIANTS]
        if bad:
            parser.error(
                f"unknown variants {bad}; choose among "
                + ", ".join(f"{lib}:{var}" for lib, var in VARIANTS)
            )

    env = worker_env(args.blas_threads)
    max_memory_kb = int(args.max_memory_gb * 1024**2)
    peers = {} if args.no_peers else PEER_MODULES
    used = {lib for lib, _ in variants}  # a peer without a variant to run is not tried
    libraries, missing = available_libraries({p: m for p, m in peers.items() if p in used}, env)
    variants = [v for v in variants if v[0] in libraries]

    settings = {
        "n_features": N_FEATURES,
        "B": B,
        "sizes": sizes,
        "max_seconds": args.max_seconds,
        "max_memory_gb": args.max_memory_gb,
        "repeats": args.repeats,
        "blas_threads": args.blas_threads or env.get("OPENBLAS_NUM_THREADS"),
        "classifier": "LogisticRegression()",
        "data": f"make_domain_shift('covariate', n_features={N_FEATURES}, n_classes=3, "
        f"strength=2, random_state={SEED})",
        "variants": [f"{lib}:{var}" for lib, var in variants],
    }
    report = new_report("kmm_scaling", settings, machine_info(), libraries, missing)
    print(header(report), flush=True)
    print(f"Machine load at the start: {load_text()}.\n", flush=True)

    baselines = import_baselines(SCRIPT, libraries, "variant", args.max_seconds, max_memory_kb, env)
    report["import_baseline_mb"] = baselines

    def measure(row):
        spec = {**row, "mmd": not args.no_mmd}
        r = run_cell(
            SCRIPT,
            spec,
            args.max_seconds,
            max_memory_kb,
            env,
            args.repeats,
            REPEAT_BELOW_SECONDS,
            repeat_spec={**spec, "mmd": False},
            keep_first=True,
        )
        row.update(r)
        if r["status"] == "ok":
            row["peak_mb"] = r["vmhwm_fit_kb"] / 1024 - baselines[row["library"]]
            shown = (
                f"{r['fit_seconds']:.3g} s, {row['peak_mb']:.0f} MB, "
                f"viol {r['max_violation']:.3g}, mmd {r.get('mmd2_ratio', float('nan')):.4f}"
            )
        else:
            shown = status_text(r)
        print(
            f"  {row['library']:<6} {row['variant']:<14} n={row['n']:<7,} {shown}  [{load_text()}]",
            file=sys.stderr,
            flush=True,
        )
        return r["status"]

    for library, variant in variants:
        run_line(report["rows"], {"library": library, "variant": variant}, sizes, measure)

    report["machine"]["load_average_at_end"] = os.getloadavg()
    print(render(report))
    print(f"Machine load at the end: {load_text()}.")

    full = tuple(sizes) == SIZES and not args.quick
    stem = args.output or ("kmm_scaling" if full else "kmm_scaling_quick")
    fields = [
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
    path = write_results(stem, fields, report, plot)
    print(f"\nWrote {path}.csv, .json and .png.")


if __name__ == "__main__":
    main()
