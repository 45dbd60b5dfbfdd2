"""Pieces that the benchmark scripts share (not part of tlearn; not a test module).

The scripts run as ``python benchmarks/<script>.py``, so ``benchmarks/`` is
``sys.path[0]`` and ``from _common import ...`` works. What lives here:

- data: the Office-Caltech-10 and Amazon-reviews domains and task lists, the
  papers' preprocessing of Office-Caltech-10, the few-label split of a target
  domain;
- reporting: package versions, machine load, JSON-safe CSV/JSON writing,
  markdown tables and number formatting;
- timing: one fit per fresh subprocess with a time limit, a memory limit and
  its peak resident memory (Linux ``/proc``), as ``feature_speed.py`` started
  doing.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# ============================================================================ data

#: Office-Caltech-10 domain letters and the names ``fetch_office_caltech10`` takes.
OFFICE_CALTECH_DOMAINS = {"C": "caltech", "A": "amazon", "W": "webcam", "D": "dslr"}
#: The 12 tasks, in the order of the JDA, SA and CORAL papers' tables.
OFFICE_CALTECH_TASKS = (
    "C->A", "C->W", "C->D", "A->C", "A->W", "A->D",
    "W->C", "W->A", "W->D", "D->C", "D->A", "D->W",
)  # fmt: skip

#: Amazon-reviews domain letters and the names ``fetch_amazon_review`` takes.
AMAZON_DOMAINS = {"B": "books", "D": "dvd", "E": "electronics", "K": "kitchen"}
#: Every ordered pair, in the usual order of the papers' tables (B->D first).
AMAZON_TASKS = tuple(f"{s}->{t}" for s in AMAZON_DOMAINS for t in AMAZON_DOMAINS if s != t)

#: Office-31 domain letters and the names ``fetch_office31`` takes.
OFFICE31_DOMAINS = {"A": "amazon", "D": "dslr", "W": "webcam"}
#: The 6 tasks, in the usual order of the papers' tables.
OFFICE31_TASKS = ("A->W", "D->W", "W->D", "A->D", "D->A", "W->A")

#: MATLAB's zscore, as the papers apply it within each domain of SURF histograms.
OFFICE_CALTECH_PREPROCESSING = (
    "row / row sum, then z-score each feature within its own domain (ddof=1, as MATLAB zscore)"
)


def row_sum_zscore(X):
    """Divide each row by its sum, then z-score every feature (``n - 1`` normalisation).

    The papers' preprocessing of SURF bag-of-words histograms (Office-Caltech-10,
    Office-31 SURF), applied to one domain at a time.
    """
    X = np.asarray(X, dtype=np.float64)
    X = X / X.sum(axis=1, keepdims=True)
    std = X.std(axis=0, ddof=1)
    std[std == 0] = 1.0  # as MATLAB's zscore: a constant feature becomes 0
    return (X - X.mean(axis=0)) / std


preprocess_office_caltech = row_sum_zscore


def zscore_pooled(Xs, Xt):
    """Z-score every feature with the pooled statistics (ddof=1) of source and target rows.

    The Amazon reviews' preprocessing (a constant feature becomes 0).
    """
    X = np.vstack([Xs, Xt])
    mean, std = X.mean(axis=0), X.std(axis=0, ddof=1)
    std[std == 0] = 1.0
    return (Xs - mean) / std, (Xt - mean) / std


def _fetch(loader, name, what):
    from tlearn.datasets import DatasetUnavailableError

    try:
        return loader(name, return_X_y=True)
    except DatasetUnavailableError as exc:
        sys.exit(f"error: {what} is not available: {exc}")


def load_office_caltech(letters, preprocess=True):
    """``{letter: (X, y)}``, preprocessed (row sum, per-domain z-score) unless told not to.

    Exits with the loader's message when a file is not available.
    """
    from tlearn.datasets import fetch_office_caltech10

    data = {}
    for letter in letters:
        X, y = _fetch(fetch_office_caltech10, OFFICE_CALTECH_DOMAINS[letter], "Office-Caltech-10")
        data[letter] = (preprocess_office_caltech(X) if preprocess else X, y)
    return data


def load_office31(letters, feature="surf", decaf_layer="fc8", preprocess=None):
    """``{letter: (X, y)}`` of Office-31 domains.

    ``preprocess``: ``None`` means :func:`row_sum_zscore` for SURF and nothing for
    DeCAF; ``True`` / ``False`` force it. Exits with the loader's message when the
    archive is not available (it cannot be downloaded everywhere).
    """
    from functools import partial

    from tlearn.datasets import fetch_office31

    loader = partial(fetch_office31, feature=feature, decaf_layer=decaf_layer)
    if preprocess is None:
        preprocess = feature == "surf"
    data = {}
    for letter in letters:
        X, y = _fetch(loader, OFFICE31_DOMAINS[letter], f"Office-31 ({feature})")
        data[letter] = (row_sum_zscore(X) if preprocess else X, y)
    return data


def load_amazon(letters):
    """``{letter: (X, y)}`` of the Amazon-reviews domains, as stored (no preprocessing)."""
    from tlearn.datasets import fetch_amazon_review

    return {
        letter: _fetch(fetch_amazon_review, AMAZON_DOMAINS[letter], "Amazon reviews")
        for letter in letters
    }


def task_letters(tasks):
    """The domain letters that ``tasks`` (``"S->T"`` strings) use, sorted."""
    return sorted({letter for t in tasks for letter in (t[0], t[-1])})


def parse_choice(text, valid, parser, what):
    """A comma-separated subset of ``valid``; ``parser.error`` on an unknown item."""
    items = tuple(item.strip() for item in text.split(","))
    unknown = [item for item in items if item not in valid]
    if unknown:
        parser.error(f"unknown {what} {unknown}; choose among {', '.join(valid)}")
    return items


def few_label_split(y, labels_per_class, seed):
    """Indices ``(labelled, test)`` of a target domain: ``labels_per_class`` rows per class.

    The labelled rows of each class are drawn without replacement by
    ``np.random.RandomState(seed)``, class by class in sorted order, so the
    split depends only on the target labels and the seed (every task with the
    same target domain shares it). Every other row is a test row. A class with
    no more than ``labels_per_class`` rows is an error (it would have no test
    row).
    """
    y = np.asarray(y)
    rng = np.random.RandomState(seed)
    labelled = []
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        if rows.size <= labels_per_class:
            raise ValueError(
                f"class {c!r} has {rows.size} rows: cannot keep {labels_per_class} labelled "
                "rows and still test on it"
            )
        labelled.append(rng.choice(rows, labels_per_class, replace=False))
    labelled = np.sort(np.concatenate(labelled))
    test = np.setdiff1d(np.arange(y.shape[0]), labelled)
    return labelled, test


def split_target(y, labels_per_class, seed):
    """``(labelled, test)`` indices: ``min(K, n_c // 2)`` labelled rows per class.

    The same draw as :func:`few_label_split` (one ``RandomState(seed)``,
    classes in sorted order), which it is whenever no class is capped (a class
    keeps at least half of its rows for testing).
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    if np.all(counts // 2 >= labels_per_class):
        return few_label_split(y, labels_per_class, seed)
    rng = np.random.RandomState(seed)
    labelled = [
        rng.choice(np.flatnonzero(y == c), min(labels_per_class, n // 2), replace=False)
        for c, n in zip(classes, counts)
    ]
    labelled = np.sort(np.concatenate(labelled))
    return labelled, np.setdiff1d(np.arange(y.shape[0]), labelled)


def cv_folds(y, seed):
    """Folds inside the labelled target rows: leave-one-out with a single label in some
    class, else stratified k-fold with ``min(5, smallest class count)`` folds."""
    from sklearn.model_selection import LeaveOneOut, StratifiedKFold

    smallest = np.unique(y, return_counts=True)[1].min()
    if smallest == 1:
        return list(LeaveOneOut().split(y)), "leave-one-out"
    k = min(5, int(smallest))
    cv = StratifiedKFold(k, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros((len(y), 1)), y)), f"stratified {k}-fold"


def cv_scores(fit, grid, X, y, folds):
    """``{value: accuracy %}`` over the held-out rows of every fold, for every grid value.

    ``fit(X, y, value)`` returns a fitted model.
    """
    scores = {}
    for value in grid:
        correct = 0
        for train, held_out in folds:
            model = fit(X[train], y[train], value)
            correct += int(np.sum(model.predict(X[held_out]) == y[held_out]))
        scores[value] = 100.0 * correct / sum(len(h) for _, h in folds)
    return scores


def best_of(scores, prefer):
    """The grid value with the best score; a tie goes to the ``prefer``-most value
    (``max`` or ``min``, over the keys of ``scores``, which may be tuples)."""
    best = max(scores.values())
    return prefer(v for v, s in scores.items() if s >= best - 1e-9)


# ============================================================================ models

#: Grid of the logistic regression's ``C`` for the source-domain cross-validation.
C_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)


def choose_C(X, y, grid=C_GRID, folds=5):
    """``C`` of ``LogisticRegression`` by stratified k-fold CV on one (source) domain.

    Returns ``(C, {C: mean accuracy %})``; a tie goes to the smaller ``C`` (more
    regularisation). Only the labels of ``X`` (source rows) are used.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    scores = {
        C: 100 * cross_val_score(LogisticRegression(C=C, max_iter=1000), X, y, cv=cv).mean()
        for C in grid
    }
    best = max(scores.values())
    return min(C for C, s in scores.items() if s >= best - 1e-9), scores


def kmm_default_eps(n_source):
    """KMM's default band width ``eps = (sqrt(n_s) - 1) / sqrt(n_s)``.

    The value of J. Huang, A. J. Smola, A. Gretton, K. M. Borgwardt and B. Schölkopf,
    "Correcting Sample Selection Bias by Unlabeled Data", NIPS 2006, and the default of
    tlearn's ``KMM`` (its fitted ``eps_``), SKADA's and ADAPT's; written out here so that
    the scripts pass the same number to every library.
    """
    root = np.sqrt(n_source)
    return float((root - 1.0) / root)


def choose_C_cell(cell, payload, settings):
    """:func:`choose_C` on ``payload["Xs"], payload["ys"]`` as a grid cell (``_grid``).

    ``{"C": C, "C_cv_scores": {C: accuracy %}}``, with the BLAS/OpenMP pools pinned to
    ``settings["blas_threads"]`` (0 or None: as they are) and the convergence warnings of
    the largest C silenced; ``cell`` only names the payload.
    """
    import warnings

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=settings.get("blas_threads") or None), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        C, scores = choose_C(payload["Xs"], payload["ys"])
    return {"C": C, "C_cv_scores": scores}


def kmm_violation(w, B, eps):
    """How far KMM weights ``w`` are outside ``0 <= w <= B``, ``|sum(w) - n| <= n eps``.

    Returns the three violations (0 when the constraint holds), their maximum
    ``max_violation``, and ``max_weight`` and ``sum_over_n`` for context.
    """
    w = np.asarray(w, dtype=np.float64)
    n = w.shape[0]
    out = {
        "below_0": float(max(0.0, -w.min())),
        "above_B": float(max(0.0, w.max() - B)),
        "sum_band": float(max(0.0, abs(w.sum() - n) - n * eps)),
    }
    out["max_violation"] = max(out.values())
    out["max_weight"] = float(w.max())
    out["sum_over_n"] = float(w.sum() / n)
    return out


def _kernel_sums(A, B, gamma, wa, wb, block):
    """``wa^T K(A, B) wb`` for the rbf kernel, in row blocks of ``A`` (memory O(block n))."""
    from sklearn.metrics.pairwise import rbf_kernel

    total = 0.0
    for start in range(0, A.shape[0], block):
        rows = slice(start, start + block)
        total += float(wa[rows] @ (rbf_kernel(A[rows], B, gamma=gamma) @ wb))
    return total


def kmm_mmd2(Xs, Xt, w, gamma, block=1000):
    """Squared MMD (rbf kernel, exact) between the ``w``-weighted source mean and the target mean.

    ``|| (1/n_s) sum_i w_i phi(xs_i) - (1/n_t) sum_j phi(xt_j) ||^2``: the KMM
    objective up to a positive factor and a constant, so it ranks solutions as
    the QP does. Returns ``(mmd2 at w, mmd2 at w = 1)``. ``O(n^2 d)`` time,
    ``O(block n)`` memory.
    """
    ns, nt = Xs.shape[0], Xt.shape[0]
    w = np.asarray(w, dtype=np.float64)
    ones_s, ones_t = np.ones(ns), np.ones(nt)
    tt = _kernel_sums(Xt, Xt, gamma, ones_t, ones_t, block) / nt**2
    ss_w = _kernel_sums(Xs, Xs, gamma, w, w, block) / ns**2
    ss_1 = _kernel_sums(Xs, Xs, gamma, ones_s, ones_s, block) / ns**2
    # one pass over K(Xs, Xt): the cross term of w and of the uniform weights
    from sklearn.metrics.pairwise import rbf_kernel

    st_w = st_1 = 0.0
    for start in range(0, ns, block):
        rows = slice(start, start + block)
        k = rbf_kernel(Xs[rows], Xt, gamma=gamma) @ ones_t
        st_w += float(w[rows] @ k)
        st_1 += float(k.sum())
    st_w /= ns * nt
    st_1 /= ns * nt
    return max(ss_w - 2 * st_w + tt, 0.0), max(ss_1 - 2 * st_1 + tt, 0.0)


# ============================================================================ reporting

DEFAULT_PACKAGES = (
    "tlearn",
    "numpy",
    "scipy",
    "scikit-learn",
    "skada",
    "adapt",
    "tensorflow",
    "POT",
    "cvxpy",
    "clarabel",
    "cvxopt",
)


def package_versions(names=DEFAULT_PACKAGES):
    """``{name: version or None}`` of the installed packages, and the Python version."""
    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    out["python"] = platform.python_version()
    return out


def blas_threads():
    """The BLAS/OpenMP thread pins found in the environment (unset ones left out)."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    return {name: os.environ[name] for name in names if name in os.environ}


def machine_info():
    """CPUs, platform, 1/5/15-minute load averages now, and the BLAS thread pins."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
        "blas_threads": blas_threads(),
    }


def load_text():
    """``load average: a, b, c`` as ``uptime`` prints it."""
    return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def json_safe(obj):
    """Replace NaN and infinities by None, numpy scalars and arrays by Python ones."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def write_json(path, report):
    """Strict JSON (NaN written as null), indented."""
    Path(path).write_text(json.dumps(json_safe(report), indent=2) + "\n")


def write_csv(path, fields, rows):
    """``rows`` (dicts) as CSV with columns ``fields``; other keys ignored, NaN left empty."""

    def cell(v):
        if isinstance(v, (float, np.floating)) and not np.isfinite(v):
            return ""
        return v

    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: cell(v) for k, v in row.items() if k in fields})


def nan_for_none(records, keys):
    """Copies of ``records`` with ``None`` at ``keys`` read back as NaN (the JSON writes NaN
    as null), so that a saved run gives the tables of the live one."""
    return [
        {k: (float("nan") if v is None and k in keys else v) for k, v in r.items()} for r in records
    ]


def png_or_reason(plot_report, report, path, script):
    """``plot_report(report, path)``; ``path``, or ``None`` after one line saying why no PNG
    (matplotlib, or a part of it, does not import)."""
    hint = '(python -m pip install -e ".[benchmarks]")'
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print(f"{script}: matplotlib is not installed, so no PNG was written {hint}.")
        return None
    try:
        plot_report(report, path)
    except ImportError as exc:  # matplotlib there, but one of its parts or dependencies not
        print(
            f"{script}: matplotlib could not be imported ({type(exc).__name__}: {exc}), so "
            f"no PNG was written {hint}."
        )
        return None
    return path


def text_lines():
    """``(out, emit)``: ``emit(text)`` appends ``text`` and a newline to the list ``out``, as
    ``print`` writes it, so that ``"".join(out)`` is the text a script printed."""
    out = []

    def emit(text=""):
        out.append(f"{text}\n")

    return out, emit


def run_line(report, n_fits, settle):
    """``Run of <date>: <n> fits on <backend>, ...; grid <s> s wall, <settle> <s> s.``: how a
    run on the shared runner went (``report["run"]``: its ``GridRunner.info`` and seconds)."""
    info = report["run"]
    backend = info["backend"] + (f", {info['scheduler']}" if "scheduler" in info else "")
    if "n_jobs" in info:
        backend += f", n_jobs={info['n_jobs']}"
    threads = report["settings"].get("blas_threads")
    return (
        f"Run of {report['date']}: {n_fits} fits on {backend}, BLAS threads per fit: "
        f"{threads or 'as set'}; grid {info['grid_seconds']:.1f} s wall, {settle} "
        f"{info['settle_seconds']:.1f} s."
    )


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (off screen; ImportError without it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def errorbar_panel(ax, columns, series, ylabel, title):
    """One panel of ``(label, values, errors or None)`` series side by side per column."""
    x = np.arange(len(columns))
    width = 0.8 / max(len(series), 1)
    markers = "osD^vP*Xh"
    for i, (label, values, errors) in enumerate(series):
        ax.errorbar(
            x - 0.4 + width * (i + 0.5),
            np.asarray(values, dtype=float),
            yerr=None if errors is None else np.asarray(errors, dtype=float),
            fmt=markers[i % len(markers)],
            linestyle="none",
            capsize=2,
            label=label,
        )
    ax.set_xticks(x, columns, rotation=45 if len(columns) > 8 else 0)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    for sep in x[:-1] + 0.5:
        ax.axvline(sep, color="0.9", lw=0.5, zorder=0)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def fmt(value, digits=2):
    """``value`` with ``digits`` decimals; an em dash for None and non-finite values."""
    return "—" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def fmt_seconds(value):
    """Seconds with 3 significant digits (``0.0123``, ``1.23``, ``123``)."""
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:.3g}" if value < 1000 else f"{value:.0f}"


def fmt_ratio(x):
    """A ratio as ``12x``, ``1.5x`` or ``0.42x``."""
    if x is None or not np.isfinite(x):
        return "—"
    return f"{x:.0f}x" if x >= 100 else f"{x:.1f}x" if x >= 1 else f"{x:.2f}x"


def markdown_table(header, rows):
    """A GitHub markdown table from a header and rows of already formatted cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def quiet_tensorflow():
    """Silence TensorFlow's C++ logging (ADAPT imports it; so does POT under SKADA)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def import_peers(adapt_module):
    """``({"skada": module, "adapt": module}, {peer: why not})``: the peers that import.

    ``adapt_module`` is the ADAPT module a script uses (``"adapt.feature_based"``,
    ``"adapt.instance_based"``). An import failure is reported, and the rest runs.
    """
    import importlib

    peers, missing = {}, {}
    for peer, module in (("skada", "skada"), ("adapt", adapt_module)):
        try:
            peers[peer] = importlib.import_module(module)
        except Exception as exc:  # any import failure: report it, run the rest
            missing[peer] = f"{type(exc).__name__}: {exc}"
    return peers, missing


def peers_that_import(modules):
    """``(names, {peer: why not})``: the peers of ``{peer: module}`` that import here.

    Names only, so that a grid cell, which imports its peer again, runs in any process
    (``_grid``); an import failure is reported, and the rest runs.
    """
    import importlib

    available, missing = [], {}
    for peer, module in modules.items():
        try:
            importlib.import_module(module)
            available.append(peer)
        except Exception as exc:  # any import failure: report it, run the rest
            missing[peer] = f"{type(exc).__name__}: {exc}"
    return available, missing


# ============================================================================ subprocess timing
#
# The parent starts ``python <script> --worker <spec.json>``; the worker reads the
# spec, imports and builds everything, touches ``ready`` just before the timed
# part (the parent's clock for the time limit starts there), optionally touches
# ``done`` after it (the limit stops there: work after ``done``, e.g. checks of
# the result, gets ``post_timeout`` seconds), and writes ``result.json``.

POLL_SECONDS = 0.05
SETUP_TIMEOUT = 600  # imports and data generation of one worker


def status_kb(field):
    """A ``/proc/self/status`` field in kB (``VmRSS``, ``VmHWM``, ...), or None."""
    with open("/proc/self/status") as fh:
        match = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.MULTILINE)
    return int(match.group(1)) if match else None


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as fh:
            match = re.search(r"^VmRSS:\s+(\d+) kB", fh.read(), re.MULTILINE)
        return int(match.group(1)) if match else 0
    except OSError:
        return 0


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session: it and its children
    except ProcessLookupError:
        pass
    proc.wait()


def run_worker(
    script,
    spec,
    max_seconds,
    max_memory_kb,
    env,
    setup_timeout=SETUP_TIMEOUT,
    post_timeout=SETUP_TIMEOUT,
):
    """Run ``python script --worker spec.json`` once; its result dict with a ``status`` key.

    ``status`` is ``"ok"`` (the worker's ``result.json``, plus ``max_rss_seen_kb``),
    ``"timeout"`` (more than ``max_seconds`` between ``ready`` and ``done``),
    ``"OOM"`` (resident memory above ``max_memory_kb``, a ``MemoryError`` or a
    SIGKILL), ``"setup timeout"``, ``"post timeout"`` or ``"error"`` (with the last
    line of the worker's stderr in ``error``). A killed worker's result has
    ``elapsed_seconds`` (since ``ready``) and ``max_rss_seen_kb``.
    """
    tmp = Path(tempfile.mkdtemp(prefix="tlearn_bench_"))
    try:
        (tmp / "spec.json").write_text(json.dumps(spec))
        with open(tmp / "stdout", "wb") as out, open(tmp / "stderr", "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, str(Path(script).resolve()), "--worker", str(tmp / "spec.json")],
                stdout=out,
                stderr=err,
                env=env,
                start_new_session=True,
            )
            started = time.monotonic()
            ready_at = done_at = None
            peak_seen_kb = 0
            status = None
            while proc.poll() is None:
                time.sleep(POLL_SECONDS)
                rss = _rss_kb(proc.pid)
                peak_seen_kb = max(peak_seen_kb, rss)
                now = time.monotonic()
                if ready_at is None and (tmp / "ready").exists():
                    ready_at = now
                if done_at is None and (tmp / "done").exists():
                    done_at = now
                if rss > max_memory_kb:
                    status = "OOM"
                elif done_at is not None and now - done_at > post_timeout:
                    status = "post timeout"
                elif done_at is None and ready_at is not None and now - ready_at > max_seconds:
                    status = "timeout"
                elif ready_at is None and now - started > setup_timeout:
                    status = "setup timeout"
                if status:
                    _kill(proc)
                    break
        if status:
            return {
                "status": status,
                "elapsed_seconds": time.monotonic() - (ready_at or started),
                "max_rss_seen_kb": peak_seen_kb,
            }
        if (tmp / "result.json").exists():
            result = json.loads((tmp / "result.json").read_text())
            result["status"] = "ok"
            result["max_rss_seen_kb"] = peak_seen_kb
            return result
        stderr = (tmp / "stderr").read_text(errors="replace").strip().splitlines()
        last = stderr[-1] if stderr else f"exit code {proc.returncode}"
        status = "OOM" if "MemoryError" in last or proc.returncode == -signal.SIGKILL else "error"
        return {"status": status, "error": last[:300]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_repeated(script, spec, repeats, max_seconds, max_memory_kb, env, **kwargs):
    """Run one fit ``repeats`` times, each in a fresh process; keep the fastest run.

    All the fit times are kept in ``fit_seconds_all`` and the largest peak memory in
    ``vmhwm_kb`` / ``vmhwm_fit_kb``; the first failed run (timeout, OOM, error) ends
    the repeats and is the result.
    """
    runs = []
    for _ in range(repeats):
        r = run_worker(script, spec, max_seconds, max_memory_kb, env, **kwargs)
        if r["status"] != "ok":
            return r
        runs.append(r)
    best = dict(min(runs, key=lambda r: r["fit_seconds"]))
    best["fit_seconds_all"] = [r["fit_seconds"] for r in runs]
    for key in ("vmhwm_kb", "vmhwm_fit_kb"):
        if all(key in r for r in runs):
            best[key] = max(r[key] for r in runs)
    return best


def module_imports(module, env, timeout=SETUP_TIMEOUT):
    """``(ok, last stderr line)``: whether ``import module`` works in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.returncode == 0, (proc.stderr.strip().splitlines() or [""])[-1]
