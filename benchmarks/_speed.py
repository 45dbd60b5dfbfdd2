"""What the speed benchmarks share: ``scaling.py``, ``kmm_scaling.py``, ``feature_speed.py``.

Each of them fits every (library, method, n) cell in a fresh subprocess
(``_common.run_worker``) and reports fit time and peak memory against ``n``.
What lives here:

- worker side: the imports of a worker (the import-only baseline imports the
  same), the spec and ``result.json`` around the cell's own work, and the
  timed fit between the ``ready`` and ``done`` marks;
- parent side: the workers' environment, which peers import, the import-only
  baselines, the repeats of a short fit, and a line of sizes that stops at its
  first failure (timeout, OOM, error);
- reporting: the report's frame, tables against ``n`` and their cells, the
  ratio tables, the header and the log-log plot.

The scripts choose the data, the estimators and what they check; this module
does not know them.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import sys
import time
import warnings
from pathlib import Path

from _common import (
    RESULTS_DIR,
    fmt_ratio,
    markdown_table,
    module_imports,
    package_versions,
    quiet_tensorflow,
    reset_peak,
    run_worker,
    status_kb,
    write_csv,
    write_json,
)

# ============================================================================ worker side


def import_modules(names):
    """Import the modules ``names``, TensorFlow's C++ logging silenced first.

    What a worker imports before its clock starts; the import-only baseline of
    the same library imports exactly the same, so that the difference of their
    peaks is the fit's.
    """
    quiet_tensorflow()
    for name in names:
        importlib.import_module(name)


def worker_main(spec_path, import_library, fit, job="method"):
    """Run the worker of one cell, ``python <script> --worker spec.json``.

    Reads the JSON spec, calls ``import_library(spec["library"])`` and records
    the peak resident memory after the imports. When ``spec[job]`` is None the
    worker is the import-only baseline and stops there; otherwise
    ``fit(spec, out_dir, result)`` does the cell's work (with
    :func:`timed_fit`) and fills the ``result`` dict. Writes ``result.json``
    beside the spec.
    """
    spec = json.loads(Path(spec_path).read_text())
    out_dir = Path(spec_path).parent
    import_library(spec["library"])
    result = {"vmhwm_after_import_kb": status_kb("VmHWM")}
    if spec[job] is not None:
        fit(spec, out_dir, result)
    (out_dir / "result.json").write_text(json.dumps(result, default=float))


def timed_fit(out_dir, result, fit, done=True):
    """Call ``fit()`` on the parent's clock; returns its value and the warnings it raised.

    Records the resident memory and resets the peak (``vmrss_before_fit_kb``,
    ``peak_reset``), touches ``ready`` in ``out_dir`` (the parent's clock for
    ``--max-seconds`` starts there), times ``fit()`` (``fit_seconds``) and
    records the peak at its end (``vmhwm_fit_kb``). Then touches ``done`` (the
    clock stops: what follows is not timed) unless ``done`` is False.
    """
    result["vmrss_before_fit_kb"] = status_kb("VmRSS")
    result["peak_reset"] = reset_peak()
    (out_dir / "ready").touch()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        value = fit()
        result["fit_seconds"] = time.perf_counter() - start
        result["vmhwm_fit_kb"] = status_kb("VmHWM")
    if done:
        (out_dir / "done").touch()
    return value, caught


def warning_lines(caught):
    """The distinct warnings of ``caught`` as sorted ``Category: first line`` strings."""
    return sorted(
        {f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}" for w in caught}
    )


# ============================================================================ parent side


def parse_sizes(text, default):
    """The comma-separated sizes of ``text`` as ints, or ``default`` when it is empty."""
    return tuple(int(v) for v in text.split(",")) if text else default


def worker_env(blas_threads):
    """The environment of the workers: this one, TensorFlow quiet, BLAS pinned if asked."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if blas_threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(blas_threads)
    return env


def available_libraries(peer_modules, env):
    """``(libraries, missing)``: tlearn and the peers that import, and why the others do not.

    ``peer_modules`` maps each peer to try to the module a subprocess imports
    to check it (nothing is imported here).
    """
    libraries, missing = ["tlearn"], {}
    for peer, module in peer_modules.items():
        ok, why = module_imports(module, env)
        if ok:
            libraries.append(peer)
        else:
            missing[peer] = why
    return libraries, missing


def new_report(benchmark, settings, machine, libraries, missing):
    """The report of a run before any cell: date, command, versions and empty results."""
    return {
        "benchmark": benchmark,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": [sys.executable, *sys.argv],
        "settings": settings,
        "versions": package_versions(),
        "machine": machine,
        "libraries": libraries,
        "peers_not_run": missing,
        "import_baseline_mb": {},
        "rows": [],
    }


def import_baselines(script, libraries, job, max_seconds, max_memory_kb, env):
    """``{library: MB}``: the peak of a worker that only imports what ``library``'s workers do.

    The worker gets a spec whose ``job`` key is None (see :func:`worker_main`).
    """
    baselines = {}
    for library in libraries:
        r = run_worker(script, {"library": library, job: None}, max_seconds, max_memory_kb, env)
        baselines[library] = r.get("vmhwm_after_import_kb", 0) / 1024
        print(f"  import baseline {library}: {baselines[library]:.0f} MB", file=sys.stderr)
    return baselines


def run_cell(
    script,
    spec,
    max_seconds,
    max_memory_kb,
    env,
    repeats,
    repeat_below,
    repeat_spec=None,
    keep_first=False,
):
    """One cell: a first run and, if it fitted in under ``repeat_below`` s, more runs.

    The repeats (``repeats - 1`` of them, each in a fresh process, with
    ``repeat_spec`` if given, else ``spec``) keep the fastest fit time; failed
    repeats are dropped. The result is that of the fastest run, or of the first
    run (its checks) with the fastest time if ``keep_first``; it has every
    run's time in ``fit_seconds_all`` and their largest peak in
    ``vmhwm_fit_kb``. A failed first run is the result.
    """
    first = run_worker(script, spec, max_seconds, max_memory_kb, env)
    if first["status"] != "ok":
        return first
    runs = [first]
    if first["fit_seconds"] < repeat_below:
        for _ in range(repeats - 1):
            again = run_worker(script, repeat_spec or spec, max_seconds, max_memory_kb, env)
            if again["status"] == "ok":
                runs.append(again)
    best = dict(first if keep_first else min(runs, key=lambda x: x["fit_seconds"]))
    best["fit_seconds"] = min(x["fit_seconds"] for x in runs)
    best["fit_seconds_all"] = [x["fit_seconds"] for x in runs]
    best["vmhwm_fit_kb"] = max(x["vmhwm_fit_kb"] for x in runs)
    return best


def run_line(rows, fields, sizes, measure, skipped="{status} at {n:,}"):
    """Append to ``rows`` a row per size of one line (one library and method).

    Every row is ``fields`` and ``n``. ``measure(row)`` runs the cell, completes
    the row and returns its status; after a status other than ``"ok"`` the
    larger sizes are not run: their rows get that status and ``skipped`` (a
    format of the failed ``status`` and ``n``).
    """
    failed = None
    for n in sizes:
        row = {**fields, "n": n}
        if failed:
            row.update(status=failed["status"], skipped=skipped.format(**failed))
        else:
            status = measure(row)
            if status != "ok":
                failed = {"status": status, "n": n}
        rows.append(row)


def status_text(r):
    """A failed run as the progress lines show it: its status and its error, if any."""
    return r["status"] + (f" ({r['error']})" if r.get("error") else "")


def write_results(stem, fields, report, plot):
    """Write ``stem``.csv (the rows, columns ``fields``), .json and .png (``plot(rows, path)``).

    ``stem`` is under ``benchmarks/results/`` unless absolute; returns the path
    without suffix.
    """
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    write_csv(RESULTS_DIR / f"{stem}.csv", fields, report["rows"])
    write_json(RESULTS_DIR / f"{stem}.json", report)
    plot(report["rows"], RESULTS_DIR / f"{stem}.png")
    return RESULTS_DIR / stem


# ============================================================================ reporting


def failed_cell(r):
    """A run that did not finish: ``(skipped at ...)``, ``timeout (> s)`` or its status."""
    if "skipped" in r:
        return f"({r['skipped']})"
    if r["status"] == "timeout" and "elapsed_seconds" in r:
        return f"timeout (> {r['elapsed_seconds']:.0f} s)"
    return r["status"]


def fit_time(r):
    """The fit time of a finished run, in seconds (3 significant digits)."""
    return f"{r['fit_seconds']:.3g}"


def peak_memory(r):
    """The peak memory of a finished run above its import baseline, in MB."""
    return f"{r['peak_mb']:.0f}"


def titled_table(title, head, body):
    """A ``### title`` and a markdown table, followed by an empty line."""
    return f"### {title}\n\n{markdown_table(head, body)}\n"


def size_table(title, head, keys, sizes, by_key, text, failed=failed_cell, label=tuple):
    """A table with a row per key of ``keys`` and a column per size.

    The row of ``key`` starts with ``label(key)`` (the columns ``head``); its
    cell at ``n`` is the run ``by_key[(*key, n)]`` as ``text(run)`` if it
    finished, ``failed(run)`` if not, and an em dash if there is none.
    """

    def cell(r):
        if r is None:
            return "—"
        return text(r) if r["status"] == "ok" else failed(r)

    body = [[*label(k), *(cell(by_key.get((*k, n))) for n in sizes)] for k in keys]
    return titled_table(title, [*head, *(f"n={n:,}" for n in sizes)], body)


def ratio_cell(ours, theirs):
    """Their fit time / ours (``> x`` for their timeout), or why there is no ratio."""
    if ours is None or theirs is None or ours["status"] != "ok":
        return "—"
    if theirs["status"] == "ok":
        return fmt_ratio(theirs["fit_seconds"] / ours["fit_seconds"])
    if theirs["status"] == "timeout" and "elapsed_seconds" in theirs:
        return f"> {fmt_ratio(theirs['elapsed_seconds'] / ours['fit_seconds'])}"
    return theirs["status"]


def ratio_rows(keys, sizes, by_key, reference, label=tuple, cell=ratio_cell):
    """The rows of a ratio table: a row per key of ``keys`` that is not its own reference.

    The row of ``key`` starts with ``label(key)``; its cell at ``n`` is
    ``cell(reference run, run)``, the runs ``by_key[(*reference(key), n)]`` and
    ``by_key[(*key, n)]`` (None where missing).
    """
    body = []
    for k in keys:
        ref = reference(k)
        if ref != k:
            body.append(
                [*label(k), *(cell(by_key.get((*ref, n)), by_key.get((*k, n))) for n in sizes)]
            )
    return body


def caps_line(report, repeat_below):
    """The header line of the caps, the repeats, BLAS threads and CPUs of a run."""
    s = report["settings"]
    return (
        f"Caps: {s['max_seconds']:g} s per fit, {s['max_memory_gb']:g} GB per process; fits "
        f"under {repeat_below:g} s repeated {s['repeats']} times (fastest kept); BLAS "
        f"threads: {s['blas_threads'] or 'default'}; CPUs: {report['machine']['cpus']}."
    )


def header_text(lines, libraries, missing):
    """``lines``, the libraries run and the peers not run (``{peer: why}``), one a line."""
    lines = [*lines, f"Libraries: {', '.join(libraries)}."]
    lines += [f"Not run: {peer} (import failed: {why})." for peer, why in missing.items()]
    return "\n".join(lines) + "\n"


#: Line style and marker of each library in the plots.
STYLES = {"tlearn": "-", "skada": "--", "adapt": ":"}
MARKERS = {"tlearn": "o", "skada": "s", "adapt": "^"}


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_lines(ax, lines, ylabel, n_features):
    """Draw ``(library, color, label, points)`` lines on log-log axes against n.

    ``points`` are ``(n, value)`` pairs; a line without points is left out.
    """
    for library, color, label, points in lines:
        if points:
            ax.plot(
                *zip(*points),
                STYLES[library],
                marker=MARKERS[library],
                color=color,
                label=label,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"rows per domain (n source = n target), d = {n_features}")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
