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
  (the source rows split into independent batches).

Every KMM gets the same kernel parameters: gamma from the median heuristic
(tlearn's, computed once per task and passed to everyone), B and eps. The
weights of each library are checked against the constraints
``0 <= w <= B`` and ``|sum(w) - n_s| <= n_s eps``, and their exact squared MMD to
the target (the KMM objective up to a positive factor and a constant) is
computed after the fit. The KMMs then run a second time with a bound that
binds (``--check-B``, 5 by default; with B = 1000 no weight comes near the
bound here), to check that every solver enforces it.

Usage::

    python benchmarks/kmm_amazon.py --peers    # 12 tasks, tlearn + SKADA + ADAPT
    python benchmarks/kmm_amazon.py --quick    # 2 tasks, 500 rows per domain (smoke run)

Fit times are wall-clock times in this one process; pin the BLAS threads
(``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1``) on a shared machine. Results
are written as CSV and JSON under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import warnings
from pathlib import Path

from _common import (
    AMAZON_DOMAINS,
    AMAZON_TASKS,
    C_GRID,
    RESULTS_DIR,
    choose_C,
    fmt,
    fmt_ratio,
    fmt_seconds,
    import_peers,
    kmm_mmd2,
    kmm_violation,
    load_amazon,
    load_text,
    machine_info,
    markdown_table,
    package_versions,
    parse_choice,
    quiet_tensorflow,
    task_letters,
    write_csv,
    write_json,
    zscore_pooled,
)

quiet_tensorflow()

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from tlearn import stack_domains  # noqa: E402
from tlearn.baselines import SourceOnly  # noqa: E402
from tlearn.instance import KMM  # noqa: E402
from tlearn.instance._kmm import default_eps, median_heuristic_gamma  # noqa: E402

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

PREPROCESSING = (
    "z-score every feature with the mean and std (ddof=1) of the pooled source + target rows "
    "of the task (constant features left at 0); rows as stored otherwise (they sum to 1)"
)


def fit_one(name, library, Xs, ys, Xt, C, kmm, peers):
    """Fit one row's model; returns ``(predict function, source weights or None, info)``."""
    clf = LogisticRegression(C=C, max_iter=1000)
    X, y, sample_domain = stack_domains(Xs, ys, Xt)
    if name == "source-only":
        model = SourceOnly(clf).fit(X, y, sample_domain=sample_domain)
        return model.predict, None, {}
    params = {"gamma": kmm["gamma"], "B": kmm["B"], "eps": kmm["eps"]}
    if library == "tlearn":
        model = KMM(clf, kernel="rbf", random_state=0, **params)
        model.fit(X, y, sample_domain=sample_domain)
        info = {"solver": model.solver_, "n_iter": int(model.n_iter_)}
        return model.predict, model.weights_, info
    if library == "skada":
        pipe = peers["skada"].KMMReweight(
            clf.set_fit_request(sample_weight=True), kernel="rbf", **params
        )
        pipe.fit(X, y, sample_domain=sample_domain)
        weights = pipe.steps[0][1].base_estimator_.source_weights_
        return pipe.predict, weights, {"solver": "frank-wolfe"}
    max_size = Xs.shape[0] if name == "KMM" else 1000
    model = peers["adapt"].KMM(
        clf,
        Xt=Xt,
        kernel="rbf",
        max_size=max_size,
        verbose=0,
        random_state=0,
        **params,
    )
    model.fit(Xs, ys)
    return (lambda Z: model.predict(Z, domain="tgt")), model.weights_, {"max_size": max_size}


def settings_from(args):
    return {
        "preprocessing": PREPROCESSING,
        "classifier": "LogisticRegression(C=C[task], max_iter=1000)",
        "kernel": "rbf",
        "gamma": "median heuristic per task (tlearn's median_heuristic_gamma over the pooled "
        "preprocessed source + target rows, 1,000-row subsample seeded 0), passed to every "
        "library",
        "B": args.B,
        "eps": "(sqrt(n_s) - 1) / sqrt(n_s), passed to every library",
        "check_B": f"every KMM is run a second time with B = {args.check_B:g}, a bound that "
        "binds here (with B = 1000 the largest weight is about 30), to check that each "
        "solver enforces it; a check of the solvers, not a tuned setting",
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


def run_tasks(tasks, data, keys, B, peers, per_task):
    """Fit every row on every task with bound ``B``; the records and the warnings seen."""
    records, notes = [], {}
    for task in tasks:
        (Xs, ys), (Xt, yt) = data[task[0]], data[task[-1]]
        Xs, Xt = zscore_pooled(Xs, Xt)
        if task not in per_task:
            C, cv_scores = choose_C(Xs, ys)
            per_task[task] = {
                "C": C,
                "C_cv_scores": cv_scores,
                "gamma": median_heuristic_gamma(np.vstack([Xs, Xt]), random_state=0),
                "eps": default_eps(Xs.shape[0]),
                "n_s": len(Xs),
                "n_t": len(Xt),
            }
        info_task = per_task[task]
        C = info_task["C"]
        kmm = {"gamma": info_task["gamma"], "B": B, "eps": info_task["eps"]}
        for name, library in keys:
            record = {"task": task, "method": name, "library": library, "C": C, **kmm}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    start = time.perf_counter()
                    predict, weights, info = fit_one(name, library, Xs, ys, Xt, C, kmm, peers)
                    record["fit_seconds"] = time.perf_counter() - start
                    record["accuracy"] = 100.0 * float(np.mean(predict(Xt) == yt))
                    record.update(info)
                    if weights is not None:
                        weights = np.asarray(weights, dtype=np.float64).ravel()
                        record.update(kmm_violation(weights, B, kmm["eps"]))
                        mmd2, mmd2_unweighted = kmm_mmd2(Xs, Xt, weights, kmm["gamma"])
                        record["mmd2"] = mmd2
                        record["mmd2_ratio"] = mmd2 / mmd2_unweighted
                        info_task["mmd2_unweighted"] = mmd2_unweighted
                except Exception as exc:  # a peer failing on a task is a result, not a crash
                    record.update(
                        accuracy=float("nan"),
                        fit_seconds=float("nan"),
                        error=f"{type(exc).__name__}: {exc}",
                    )
            for m in sorted({f"{w.category.__name__}: {str(w.message)[:160]}" for w in caught}):
                where = notes.setdefault((name, library), {}).setdefault(m.splitlines()[0], [])
                where.append(task)
            records.append(record)
            print(
                f"  B={B:g} {task} {name:<20} {library:<7} {fmt(record['accuracy'])} "
                f"({fmt(record['fit_seconds'])} s)"
                + (f" max viol {record['max_violation']:.3g}" if "max_violation" in record else "")
                + (f"  ERROR {record['error']}" if record.get("error") else ""),
                file=sys.stderr,
                flush=True,
            )
    return records, notes


def print_tables(records, notes, tasks, keys, B):
    """The accuracy table, the time / constraints / MMD table and the summary for one B."""

    def rec(key, task):
        return next(r for r in records if (r["method"], r["library"]) == key and r["task"] == task)

    base = ("source-only", "tlearn")
    has_base = base in keys
    acc_rows, means = [], {}
    for key in keys:
        vals = [rec(key, t)["accuracy"] for t in tasks]
        means[key] = float(np.mean(vals))
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
    print(f"### Target accuracy (%), whole target domain (B = {B:g})\n")
    print(markdown_table(["method", "library", *tasks, "mean"], acc_rows))
    print("\nBold: best in the column; ↓: below source-only (negative transfer).\n")

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
    print(f"### Fit time, weights against their constraints, MMD (B = {B:g})\n")
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
    print(markdown_table(header, rows))
    print(
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
            print(
                f"- {key[0]} / {key[1]}: mean {means[key]:.2f} vs source-only "
                f"{means[base]:.2f} ({means[key] - means[base]:+.2f}); above source-only on "
                f"{n} of {len(tasks)} tasks."
            )
    if notes:
        print("\nWarnings and errors, with the tasks where they occurred:\n")
        for label, msgs in notes.items():
            for m, where in msgs.items():
                print(f"- {label}: {m} [{', '.join(where)}]")
    for r in records:
        if r.get("error"):
            print(f"- {r['method']} / {r['library']} / {r['task']}: ERROR {r['error']}")
    print()


def print_results(per_task, records, notes, tasks, B, check_B):
    """Every table of a run: per-task settings, the protocol's B, and the bound check."""
    print("## Per-task settings\n")
    print(
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
    print(f"\n## KMM with B = {B:g} (the protocol)\n")
    print_tables(main_records, notes.get(f"{B:g}", {}), tasks, keys, B)
    if check_B:
        # the source-only rows (no B) of the protocol's run, for the comparison
        base = [r for r in main_records if r["method"] == "source-only"]
        check = [r for r in records if r["B"] == check_B and r["method"] != "source-only"]
        print(f"## Bound check: the KMMs again with B = {check_B:g}\n")
        print_tables(base + check, notes.get(f"{check_B:g}", {}), tasks, keys, check_B)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--peers", action="store_true", help="also run SKADA and ADAPT")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: only {', '.join(QUICK_TASKS)}, {QUICK_ROWS} rows per domain (seeded)",
    )
    parser.add_argument("--rows", type=int, default=None, help="subsample each domain (seed 0)")
    parser.add_argument("--tasks", help="comma-separated tasks, e.g. B->D,K->E (overrides --quick)")
    parser.add_argument("--B", type=float, default=1000.0, help="upper bound of the weights")
    parser.add_argument(
        "--check-B",
        type=float,
        default=5.0,
        help="a second, binding bound: the KMMs are run again with it to check that each "
        "solver enforces B (0 to skip)",
    )
    parser.add_argument("--output", default=None, help="file stem under benchmarks/results/")
    parser.add_argument("--render", metavar="JSON", help="print the tables of a saved run")
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(Path(args.render).read_text())
        print(f"# Unsupervised KMM on Amazon reviews (400-d): {report['date']}\n")
        print(f"Command: `{' '.join(report['command'])}`.\n")
        print_results(
            report["per_task"],
            report["records"],
            report.get("notes", {}),
            report["tasks"],
            report.get("B", 1000.0),
            report.get("check_B", 5.0),
        )
        return
    if args.tasks:
        tasks = parse_choice(args.tasks, TASKS, parser, "tasks")
    else:
        tasks = QUICK_TASKS if args.quick else TASKS

    peers, missing = import_peers("adapt.instance_based") if args.peers else ({}, {})
    keys = [k for k in ROWS if k[1] == "tlearn" or k[1] in peers]
    settings = settings_from(args)
    data = load_amazon(task_letters(tasks))
    rows = args.rows or (QUICK_ROWS if args.quick else None)
    if rows:
        rng = np.random.RandomState(0)
        for letter, (X, y) in data.items():
            keep = np.sort(rng.choice(X.shape[0], min(rows, X.shape[0]), replace=False))
            data[letter] = (X[keep], y[keep])

    print("# Unsupervised KMM on Amazon reviews (400-d)\n")
    names = ", ".join(f"{k} = {v}" for k, v in AMAZON_DOMAINS.items())
    print(f"Tasks: {', '.join(tasks)} ({len(tasks)} of 12; {names}).")
    print(f"Libraries: {', '.join(['tlearn', *peers])}.")
    if rows:
        print(f"Subsampled: {rows} rows per domain (seed 0); not the benchmark's figures.")
    for name, why in missing.items():
        print(f"Not run: {name} ({why}).")
    print(f"\nPreprocessing (fixed a priori): {settings['preprocessing']}.")
    print("\nSettings (fixed before the runs, never tuned on target labels):\n")
    print(f"- Classifier: {settings['classifier']}. C: {settings['sources']['C']}.")
    print(
        f"- KMM: kernel rbf, gamma = {settings['gamma']}; B = {args.B:g}; eps = "
        f"{settings['eps']}. Source: {settings['sources']['kmm']}."
    )
    if args.check_B:
        print(f"- Bound check: {settings['check_B']}")
    print("\nThe same settings in each library:\n")
    for lib, text in settings["translation"].items():
        if lib == "tlearn" or lib.split()[0] in peers:
            print(f"- {lib}: {text}.")
    print(f"\nMachine load before the runs: {load_text()}.\n", flush=True)

    per_task = {}
    runs = {}
    records, notes = run_tasks(tasks, data, keys, args.B, peers, per_task)
    runs[args.B] = (records, notes)
    if args.check_B:
        kmm_keys = [k for k in keys if k[0] != "source-only"]
        runs[args.check_B] = run_tasks(tasks, data, kmm_keys, args.check_B, peers, per_task)

    all_records = [r for recs, _ in runs.values() for r in recs]
    all_notes = {
        f"{B:g}": {f"{k[0]} / {k[1]}": v for k, v in notes.items()}
        for B, (_, notes) in runs.items()
    }
    print_results(per_task, all_records, all_notes, tasks, args.B, args.check_B)
    print(f"Machine load after the runs: {load_text()}.")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    full = len(tasks) == 12 and not rows
    stem = args.output or ("kmm_amazon" if full else "kmm_amazon_quick")
    fields = [
        "task",
        "method",
        "library",
        "accuracy",
        "fit_seconds",
        "C",
        "gamma",
        "B",
        "eps",
        "below_0",
        "above_B",
        "sum_band",
        "max_violation",
        "max_weight",
        "sum_over_n",
        "mmd2",
        "mmd2_ratio",
        "solver",
        "n_iter",
        "max_size",
        "error",
    ]
    write_csv(RESULTS_DIR / f"{stem}.csv", fields, all_records)
    write_json(
        RESULTS_DIR / f"{stem}.json",
        {
            "benchmark": "kmm_amazon",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": [sys.executable, *sys.argv],
            "tasks": list(tasks),
            "rows_per_domain": rows,
            "settings": settings,
            "per_task": per_task,
            "versions": package_versions(),
            "machine": machine_info(),
            "peers_not_run": missing,
            "B": args.B,
            "check_B": args.check_B,
            "notes": all_notes,
            "records": all_records,
        },
    )
    print(f"\nWrote {RESULTS_DIR / stem}.csv and .json.")


if __name__ == "__main__":
    main()
