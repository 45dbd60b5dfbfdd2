"""When to transfer: label-free scores of every candidate adaptation, and TransferGuard's picks.

For every task, with a logistic regression (``C`` by 5-fold CV on the source rows
alone) as the learner of every candidate:

- every configuration of ``tlearn.model_selection.default_candidates()``
  (source-only, CORAL, subspace alignment, linear TCA, KMM, the discriminative
  ratio, with their small grids) is fitted on all rows (the target rows
  unlabelled) and scored on the target labels: its **true** target accuracy;
- on the same 3 folds of ``SourceShuffleSplit`` (a fifth of the source rows held
  out, every target row unlabelled in every split), each label-free scorer of
  ``tlearn.model_selection`` (IWCV, DEV, reverse validation, prediction entropy,
  soft neighbourhood density) estimates each configuration's target score; the
  candidate each scorer **picks** is the one of best mean estimate;
- ``TransferGuard`` with its defaults (and the same learner) is fitted on the
  task: its pick, its target accuracy and its fit time;
- the **oracle** is the best configuration in hindsight (it reads the target
  labels: a bound, not a method).

Per scorer: the mean target accuracy of its picks and the Spearman rank
correlation between its estimates and the true accuracies (per task, then
averaged). The guard's goals (issue 14) are checked at the end.

Data sets (``--datasets``): Office-Caltech-10 SURF (12 tasks; each row divided by
its sum, then z-scored within its domain), the Amazon reviews (12 tasks; z-scored
with the pooled source + target statistics, as ``office31.py``) and two synthetic
``make_domain_shift`` cases with 10 seeds each: **hurts** (a change of class
proportions, ``"prior"``, 20 features, strength 1: aligning the domains' means or
subspaces removes class information: subspace alignment and TCA lose 4 to 40
points, KMM and the density ratio -3 to +5) and **helps** (a change of the
class-conditional distributions, ``"conditional"``, 200 features, 3 classes,
strength 2: subspace alignment and TCA gain 4 to 15 points). Ranges over the
seeds of the published run.

``--peers`` adds SKADA's scorers (``skada.metrics``) on the same candidates and
folds where SKADA is installed (a scorer that cannot score a tlearn estimator is
reported with its error).

Usage::

    python benchmarks/when_to_transfer.py --n-jobs 2     # every data set (~10 min)
    python benchmarks/when_to_transfer.py --quick        # 2 + 1 tasks, 2 seeds (~2 min)
    python benchmarks/when_to_transfer.py --datasets amazon-review --tasks B->D,K->E
    python benchmarks/when_to_transfer.py --render saved.json

Output: markdown tables on stdout, CSV (one row per task and configuration),
JSON and PNG (estimate against true accuracy per scorer) under
``benchmarks/results/``, a progress bar on stderr.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cli  # noqa: E402
import _common  # noqa: E402
import _grid  # noqa: E402
import _speed  # noqa: E402
import _suite  # noqa: E402
import numpy as np  # noqa: E402
from _cli import blas_limits  # noqa: E402
from _common import (  # noqa: E402
    AMAZON_TASKS,
    OFFICE_CALTECH_TASKS,
    choose_C,
    machine_info,
    markdown_table,
    package_versions,
    parse_choice,
)
from _speed import warning_lines  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from tlearn import stack_domains  # noqa: E402
from tlearn.datasets import make_domain_shift  # noqa: E402
from tlearn.model_selection import (  # noqa: E402
    SourceShuffleSplit,
    TransferGuard,
    default_candidates,
    get_transfer_scorer,
)

BENCHMARK = "when_to_transfer"
DATASETS = ("office-caltech10", "amazon-review", "synthetic")
TITLES = {
    "office-caltech10": "Office-Caltech-10 SURF",
    "amazon-review": "Amazon reviews",
    "synthetic": "synthetic make_domain_shift",
}
REAL_TASKS = {"office-caltech10": OFFICE_CALTECH_TASKS, "amazon-review": AMAZON_TASKS}
QUICK_TASKS = {"office-caltech10": ("A->D", "W->C"), "amazon-review": ("B->D",)}
#: The synthetic cases: name -> make_domain_shift arguments (the seed is the cell's).
SYNTHETIC = {
    "hurts": {"shift": "prior", "n_features": 20, "n_classes": 2, "strength": 1.0},
    "helps": {"shift": "conditional", "n_features": 200, "n_classes": 3, "strength": 2.0},
}
SYNTHETIC_ROWS = 500
SEEDS = tuple(range(10))
QUICK_SEEDS = (0, 1)
SCORERS = ("iwcv", "dev", "reverse", "entropy", "snd")
SKADA_SCORERS = {
    "skada IWCV": "ImportanceWeightedScorer",
    "skada DEV": "DeepEmbeddedValidation",
    "skada circular": "CircularValidation",
    "skada entropy": "PredictionEntropyScorer",
    "skada SND": "SoftNeighborhoodDensity",
}
N_FOLDS = 3
CSV_FIELDS = (
    "dataset task configuration true_accuracy "
    + " ".join(f"{s}_estimate" for s in SCORERS)
    + " guard_pick guard_accuracy guard_fit_seconds error"
).split()

# ============================================================================ arguments


def build_parser():
    parser = _cli.make_parser(
        __doc__,
        quick="smoke run (~2 min): A->D, W->C of Office-Caltech-10, B->D of the Amazon\n"
        "reviews, seeds 0,1 of each synthetic case",
        peers="also score the candidates with SKADA's scorers (skada.metrics) where SKADA\n"
        "is installed (a peer that does not import is named and skipped)",
        n_jobs_note="the guard's fit time is measured inside each cell: with N jobs on N\n"
        "busy cores it includes the contention",
    )
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help="comma-separated data sets among " + ", ".join(DATASETS),
    )
    parser.add_argument(
        "--tasks",
        help="comma-separated tasks of the real data sets, e.g. C->A,B->D (default: all 12\n"
        "of each; overrides --quick)",
    )
    parser.add_argument(
        "--seeds",
        help="comma-separated seeds of the synthetic cases (default: 0..9; 0,1 with --quick)",
    )
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    args.datasets = list(parse_choice(args.datasets, DATASETS, parser, "datasets"))
    tasks = {}
    for dataset in args.datasets:
        if dataset == "synthetic":
            continue
        valid = REAL_TASKS[dataset]
        if args.tasks:
            wanted = [t.strip() for t in args.tasks.split(",") if t.strip()]
            unknown = [
                t for t in wanted if not any(t == v for vs in REAL_TASKS.values() for v in vs)
            ]
            if unknown:
                parser.error(f"unknown tasks: {', '.join(unknown)}")
            tasks[dataset] = [t for t in wanted if t in valid]
        else:
            tasks[dataset] = list(QUICK_TASKS[dataset] if args.quick else valid)
    args.tasks = tasks
    if args.seeds:
        try:
            args.seeds = [int(s) for s in args.seeds.split(",")]
        except ValueError:
            parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    else:
        args.seeds = list(QUICK_SEEDS if args.quick else SEEDS)
    return _cli.finish(parser, args)


# ============================================================================ plan and run


def synthetic_payload(case, seed):
    """The arrays of one synthetic case and seed (every target label kept for scoring)."""
    spec = SYNTHETIC[case]
    X, y, sd = make_domain_shift(
        spec["shift"],
        n_source=SYNTHETIC_ROWS,
        n_target=SYNTHETIC_ROWS,
        n_features=spec["n_features"],
        n_classes=spec["n_classes"],
        strength=spec["strength"],
        mask_target_labels=False,
        random_state=seed,
    )
    s = sd >= 0
    return {"Xs": X[s], "ys": y[s], "Xt": X[~s], "yt": y[~s]}


def make_cells(args):
    """One cell per (data set, task): the real tasks, then each synthetic case and seed."""
    cells = []
    for dataset in args.datasets:
        if dataset == "synthetic":
            cells += [
                {"dataset": dataset, "task": f"{case}-{seed}", "case": case, "seed": int(seed)}
                for case in SYNTHETIC
                for seed in args.seeds
            ]
        else:
            cells += [{"dataset": dataset, "task": t} for t in args.tasks[dataset]]
    return cells


def cell_key(cell):
    return f"{cell['dataset']}:{cell['task']}"


def prepare(argv=None):
    """Parse the arguments, load the data, import the peers: the plan of a run."""
    args = parse_args(argv)
    payloads, data_info = {}, {}
    for dataset in args.datasets:
        if dataset == "synthetic":
            for case in SYNTHETIC:
                for seed in args.seeds:
                    payloads[f"synthetic:{case}-{seed}"] = synthetic_payload(case, seed)
            data_info[dataset] = {
                "preprocessing": "none (make_domain_shift's arrays)",
                "cases": SYNTHETIC,
                "rows_per_domain": SYNTHETIC_ROWS,
            }
            continue
        try:
            loaded, info = _suite.load_tasks(dataset, args.tasks[dataset])
        except _suite.NoData as exc:
            sys.exit(
                _suite.no_data_message(
                    dataset,
                    args.tasks[dataset],
                    "surf",
                    exc,
                    script="benchmarks/when_to_transfer.py",
                )
            )
        for task, p in loaded.items():
            payloads[f"{dataset}:{task}"] = p
        data_info[dataset] = info
    peers, missing = (
        _common.peers_that_import({"skada": "skada.metrics"}) if args.peers else ([], {})
    )
    settings = {
        "learner": "LogisticRegression(C, max_iter=1000), C by 5-fold stratified CV on the "
        "source rows alone (grid " + ", ".join(f"{c:g}" for c in _common.C_GRID) + ", ties to "
        "the smaller C)",
        "candidates": [
            {"name": name, "estimator": repr(est), "grid": grid}
            for name, est, grid in default_candidates()
        ],
        "folds": f"SourceShuffleSplit(n_splits={N_FOLDS}, test_size=0.2, random_state=0)",
        "scorers": {name: repr(get_transfer_scorer(name)) for name in SCORERS},
        "guard": "TransferGuard(learner, random_state=0): its defaults otherwise",
        "blas_threads": args.blas_threads,
    }
    return {
        "args": args,
        "payloads": payloads,
        "data_info": data_info,
        "settings": settings,
        "peers": peers,
        "peers_missing": missing,
        "cells": make_cells(args),
        "load_before": list(os.getloadavg()),
    }


# ============================================================================ one cell


def _skada_scorers():
    import skada.metrics as metrics

    return {name: getattr(metrics, cls)() for name, cls in SKADA_SCORERS.items()}


def _score_all(scorers, est, X, y, sd):
    out = {}
    for name, scorer in scorers.items():
        try:
            out[name] = float(scorer(est, X, y, sample_domain=sd))
        except Exception as exc:  # a scorer failing on a configuration is a result
            out[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return out


def run_cell(cell, payload, settings):
    """Every configuration's true accuracy and label-free estimates, and the guard, on one task."""
    from scipy.stats import spearmanr

    Xs, ys, Xt, yt = (payload[k] for k in ("Xs", "ys", "Xt", "yt"))
    X, y, sd = stack_domains(Xs, ys, Xt, np.full(yt.shape[0], -1, dtype=np.asarray(ys).dtype))
    target = sd < 0
    record = dict(cell, n_source=int(Xs.shape[0]), n_target=int(Xt.shape[0]))
    with blas_limits(settings["blas_threads"]), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        C, _ = choose_C(Xs, ys)
        learner = LogisticRegression(C=C, max_iter=1000)
        record["C"] = C
        scorers = {name: get_transfer_scorer(name) for name in SCORERS}
        if settings.get("skada"):
            try:
                scorers.update(_skada_scorers())
            except Exception as exc:
                record["skada_error"] = f"{type(exc).__name__}: {exc}"
        guard = TransferGuard(learner, random_state=0)
        start = time.perf_counter()
        guard.fit(X, y, sample_domain=sd)
        record["guard_fit_seconds"] = time.perf_counter() - start
        pred = guard.predict(X[target], sample_domain=sd[target])
        record["guard_accuracy"] = 100.0 * float(np.mean(pred == yt))
        record["guard_pick"] = _label(guard.selected_["candidate"], guard.selected_["params"])
        record["guard_abstained"] = bool(guard.abstained_)
        record["divergences"] = guard.divergences_
        # the guard's configurations (grids expanded, n_components capped), fitted again here
        base = {name: est for name, est, _ in default_candidates()}
        configs = [
            (name, params, clone(base[name]).set_params(estimator=clone(learner), **params))
            for name, params in zip(guard.cv_results_["candidate"], guard.cv_results_["params"])
        ]
        folds = list(
            SourceShuffleSplit(n_splits=N_FOLDS, random_state=0).split(X, y, sample_domain=sd)
        )
        rows = []
        for name, params, est in configs:
            row = {"configuration": _label(name, params), "candidate": name, "params": params}
            try:
                fitted = clone(est).fit(X, y, sample_domain=sd)
                pred = fitted.predict(X[target], sample_domain=sd[target])
                row["true_accuracy"] = 100.0 * float(np.mean(pred == yt))
                estimates = {s: [] for s in scorers}
                for train, test in folds:
                    f = clone(est).fit(X[train], y[train], sample_domain=sd[train])
                    for s, v in _score_all(scorers, f, X[test], y[test], sd[test]).items():
                        estimates[s].append(v)
                row["estimates_by_fold"] = estimates
                row["estimates"] = {
                    s: (
                        float(np.mean(v))
                        if all(isinstance(x, float) for x in v)
                        else next(x for x in v if isinstance(x, str))
                    )
                    for s, v in estimates.items()
                }
                row["error"] = None
            except Exception as exc:
                row.update(
                    true_accuracy=float("nan"), estimates={}, error=f"{type(exc).__name__}: {exc}"
                )
            rows.append(row)
    record["configurations"] = rows
    true = np.array([r["true_accuracy"] for r in rows])
    record["source_only"] = float(true[0])
    record["oracle"] = float(np.nanmax(true))
    record["oracle_pick"] = rows[int(np.nanargmax(true))]["configuration"]
    picks, rhos = {}, {}
    for s in scorers:
        est = np.array(
            [
                r["estimates"].get(s) if isinstance(r["estimates"].get(s), float) else np.nan
                for r in rows
            ]
        )
        ok = np.isfinite(est) & np.isfinite(true)
        if ok.sum() >= 2:
            best = int(np.flatnonzero(ok)[np.argmax(est[ok])])
            picks[s] = {"configuration": rows[best]["configuration"], "accuracy": float(true[best])}
            rho = spearmanr(est[ok], true[ok]).statistic
            rhos[s] = None if not np.isfinite(rho) else float(rho)
    record["picks"], record["rank_correlation"] = picks, rhos
    record["warnings"] = warning_lines(caught)
    return record


def _label(name, params):
    if not params:
        return name
    return f"{name}({', '.join(f'{k}={v}' for k, v in params.items())})"


# ============================================================================ the report


def describe(plan):
    args = plan["args"]
    return {
        "benchmark": BENCHMARK,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _cli.command_as_typed(),
        "datasets": list(args.datasets),
        "tasks": [c["task"] for c in plan["cells"]],
        "seeds": list(args.seeds),
        "quick": args.quick,
        "data": plan["data_info"],
        "settings": plan["settings"],
        "peers": plan["peers"],
        "peers_not_run": plan["peers_missing"],
        "load_before": plan["load_before"],
    }


def _groups(records):
    """``{group title: records}``: each real data set, and each synthetic case."""
    out = {}
    for r in records:
        title = TITLES[r["dataset"]] if r["dataset"] != "synthetic" else f"synthetic: {r['case']}"
        out.setdefault(title, []).append(r)
    return out


def _scorer_names(records):
    names = []
    for r in records:
        for s in r.get("picks", {}):
            if s not in names:
                names.append(s)
    return names


def summary(records):
    """Per group: the means of source-only, the guard, the oracle and every scorer's picks."""
    out = {}
    for title, rows in _groups(records).items():
        so = np.array([r["source_only"] for r in rows])
        entry = {
            "n_tasks": len(rows),
            "source_only": float(so.mean()),
            "oracle": float(np.mean([r["oracle"] for r in rows])),
            "guard": float(np.mean([r["guard_accuracy"] for r in rows])),
            "guard_abstained": int(sum(r["guard_abstained"] for r in rows)),
            "guard_below_3": int(sum(r["guard_accuracy"] < r["source_only"] - 3 for r in rows)),
            "guard_fit_seconds_max": float(max(r["guard_fit_seconds"] for r in rows)),
            "scorers": {},
        }
        for s in _scorer_names(rows):
            acc = [r["picks"][s]["accuracy"] for r in rows if s in r["picks"]]
            rho = [
                r["rank_correlation"][s] for r in rows if r["rank_correlation"].get(s) is not None
            ]
            entry["scorers"][s] = {
                "pick_accuracy": float(np.mean(acc)) if len(acc) == len(rows) else None,
                "rank_correlation": float(np.mean(rho)) if rho else None,
            }
        out[title] = entry
    return out


def header_text(report):
    s = report["settings"]
    out, emit = _common.text_lines()
    emit("# When to transfer: label-free model selection and the negative-transfer guard\n")
    emit(
        f"Data sets: {', '.join(TITLES[d] for d in report['datasets'])}; "
        f"{len(report['tasks'])} tasks (synthetic seeds: {', '.join(map(str, report['seeds']))})."
    )
    for name, why in report.get("peers_not_run", {}).items():
        emit(f"Not run: {name} ({why}).")
    for dataset, info in report.get("data", {}).items():
        if info.get("preprocessing"):
            emit(f"- {TITLES[dataset]}: {info['preprocessing']}.")
    emit(f"\nLearner: {s['learner']}.")
    emit("Candidates (tlearn.model_selection.default_candidates()):")
    for c in s["candidates"]:
        emit(f"- {c['name']}: {c['estimator']}, grid {c['grid'] or '{}'}")
    emit(f"Folds: {s['folds']}. Guard: {s['guard']}.")
    if report.get("load_before"):
        emit(
            f"Machine load before the run: {', '.join(f'{x:.2f}' for x in report['load_before'])}."
        )
    emit()
    return "".join(out)


def _fmt(x, digits=1):
    return "—" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.{digits}f}"


def results_text(report):
    records = report["records"]
    summ = report["summary"]
    out, emit = _common.text_lines()
    scorers = _scorer_names(records)
    emit("## Mean target accuracy (%) per data set\n")
    head = [
        "data set",
        "tasks",
        "source-only",
        "guard",
        "abstained",
        "oracle",
        *[f"{s} pick" for s in scorers],
    ]
    body = []
    for title, e in summ.items():
        body.append(
            [
                title,
                str(e["n_tasks"]),
                _fmt(e["source_only"]),
                _fmt(e["guard"]),
                f"{e['guard_abstained']}/{e['n_tasks']}",
                _fmt(e["oracle"]),
                *[_fmt(e["scorers"][s]["pick_accuracy"]) for s in scorers],
            ]
        )
    emit(markdown_table(head, body))
    emit("\n## Rank correlation (Spearman) of each scorer's estimate with the true accuracy\n")
    emit(
        markdown_table(
            ["data set", *scorers],
            [
                [t, *[_fmt(e["scorers"][s]["rank_correlation"], 2) for s in scorers]]
                for t, e in summ.items()
            ],
        )
    )
    for title, rows in _groups(records).items():
        emit(f"\n## {title}: per task\n")
        names = [c["configuration"] for c in rows[0]["configurations"]]
        head = ["task", *names, "oracle", "guard (pick)", "guard s"]
        body = []
        for r in rows:
            acc = [_fmt(c["true_accuracy"]) for c in r["configurations"]]
            body.append(
                [
                    r["task"],
                    *acc,
                    _fmt(r["oracle"]),
                    f"{_fmt(r['guard_accuracy'])} ({r['guard_pick']})",
                    _fmt(r["guard_fit_seconds"], 1),
                ]
            )
        emit(markdown_table(head, body))
        emit()
        emit(
            markdown_table(
                ["task", *[f"{s} pick" for s in scorers]],
                [
                    [
                        r["task"],
                        *[
                            f"{_fmt(r['picks'][s]['accuracy'])} ({r['picks'][s]['configuration']})"
                            if s in r["picks"]
                            else "—"
                            for s in scorers
                        ],
                    ]
                    for r in rows
                ],
            )
        )
    emit("\n## Goals (issue 14)\n")
    for line in goal_lines(summ):
        emit(f"- {line}")
    errors = sorted(
        {
            (r["task"], c["configuration"], c["error"])
            for r in records
            for c in r["configurations"]
            if c.get("error")
        }
    )
    failed = sorted(
        {
            (s, v)
            for r in records
            for c in r["configurations"]
            for s, v in c.get("estimates", {}).items()
            if isinstance(v, str)
        }
    )
    if errors or failed:
        emit("\n## Errors\n")
        emit("".join(f"- {t} {c}: {e}\n" for t, c, e in errors[:20]))
        emit("".join(f"- scorer {s}: {v}\n" for s, v in failed[:20]))
    run = report.get("run", {})
    if run:
        emit(
            f"\nRun: {run.get('backend')} backend, {run.get('n_jobs')} job(s), grid "
            f"{run.get('grid_seconds', float('nan')):.0f} s."
        )
    return "".join(out)


def goal_lines(summ):
    lines = []
    for title, e in summ.items():
        gain = e["guard"] - e["source_only"]
        oracle_gain = e["oracle"] - e["source_only"]
        if title.startswith("synthetic: hurts"):
            lines.append(
                f"{title}: abstains in {e['guard_abstained']} of {e['n_tasks']} seeds "
                f"(goal: 9 of 10): {'yes' if e['guard_abstained'] >= 0.9 * e['n_tasks'] else 'NO'}."
            )
            continue
        if title.startswith("synthetic: helps"):
            adapted = e["n_tasks"] - e["guard_abstained"]
            lines.append(
                f"{title}: adapts in {adapted} of {e['n_tasks']} seeds (goal: 9 of 10): "
                f"{'yes' if adapted >= 0.9 * e['n_tasks'] else 'NO'}."
            )
            continue
        lines.append(
            f"{title}: guard {gain:+.2f} points over source-only (goal: >= -0.3): "
            f"{'yes' if gain >= -0.3 else 'NO'}; {e['guard_below_3']} task(s) more than "
            "3 points below it."
        )
        if oracle_gain > 1:
            kept = gain / oracle_gain
            lines.append(
                f"{title}: keeps {100 * kept:.0f}% of the oracle's gain of "
                f"{oracle_gain:.2f} (goal: >= 50%): {'yes' if kept >= 0.5 else 'NO'}."
            )
        if title == TITLES["amazon-review"]:
            lines.append(
                f"{title}: gain >= 2 points (goal): {'yes' if gain >= 2 else 'NO'}; "
                f"slowest guard fit {e['guard_fit_seconds_max']:.1f} s (goal: <= 60 s): "
                f"{'yes' if e['guard_fit_seconds_max'] <= 60 else 'NO'}."
            )
    return lines


def render(report):
    return header_text(report) + results_text(report)


def finish_report(report, records, info):
    report.update(
        run=info,
        versions=package_versions((*_common.DEFAULT_PACKAGES, "joblib", "matplotlib", "skada")),
        machine=machine_info(),
        records=records,
        summary=summary(records),
    )
    return report


def csv_rows(records):
    rows = []
    for r in records:
        for c in r["configurations"]:
            row = {
                "dataset": r["dataset"],
                "task": r["task"],
                "configuration": c["configuration"],
                "true_accuracy": c["true_accuracy"],
                "guard_pick": r["guard_pick"],
                "guard_accuracy": r["guard_accuracy"],
                "guard_fit_seconds": r["guard_fit_seconds"],
                "error": c["error"],
            }
            for s in SCORERS:
                v = c["estimates"].get(s)
                row[f"{s}_estimate"] = v if isinstance(v, float) else None
            rows.append(row)
    return rows


def plot_report(report, path):
    """One panel per scorer: its estimate (per task, centred) against the true accuracy."""
    plt = _common.pyplot()
    records = report["records"]
    scorers = _scorer_names(records)
    n = len(scorers)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.4), layout="constrained", squeeze=False)
    groups = _groups(records)
    for ax, s in zip(axes[0], scorers):
        for title, rows in groups.items():
            xs, ys = [], []
            for r in rows:
                est = np.array(
                    [
                        c["estimates"].get(s)
                        if isinstance(c["estimates"].get(s), float)
                        else np.nan
                        for c in r["configurations"]
                    ]
                )
                true = np.array([c["true_accuracy"] for c in r["configurations"]], dtype=float)
                ok = np.isfinite(est) & np.isfinite(true)
                if ok.sum() < 2:
                    continue
                xs += list(est[ok] - est[ok].mean())
                ys += list(true[ok] - true[ok][0] if ok[0] else true[ok] - true[ok].mean())
            ax.scatter(xs, ys, s=8, alpha=0.6, label=title)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(s)
        ax.set_xlabel("estimate (centred per task)")
    axes[0][0].set_ylabel("true accuracy - source-only (points)")
    axes[0][-1].legend(fontsize=6, loc="best")
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ============================================================================ main


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.render:
        sys.stdout.write(render(_cli.load_report(args.render, BENCHMARK)))
        return
    plan = prepare(argv)
    plan["settings"]["skada"] = "skada" in plan["peers"]
    report = describe(plan)
    sys.stdout.write(header_text(report))
    sys.stdout.flush()
    with _cli.grid_runner(args, by_value=(_cli, _common, _speed, _grid)) as runner:
        records, seconds = _grid.timed_map(
            runner,
            run_cell,
            plan["cells"],
            plan["payloads"],
            cell_key,
            plan["settings"],
            desc="tasks",
        )
        info = {**runner.info, "grid_seconds": seconds}
    finish_report(report, records, info)
    sys.stdout.write(results_text(report))
    full = (
        not args.quick
        and args.seeds == list(SEEDS)
        and all(len(args.tasks.get(d, ())) == 12 for d in args.datasets if d != "synthetic")
    )
    stem = args.output or (BENCHMARK if full else f"{BENCHMARK}_quick")
    paths = _cli.write_outputs(
        report, stem, CSV_FIELDS, csv_rows(records), plot_report, "when_to_transfer.py"
    )
    print(f"\nWrote {', '.join(str(p) for p in paths)}.")


if __name__ == "__main__":
    main()
