"""What the speed benchmarks share: ``scaling.py``, ``kmm_scaling.py``, ``feature_speed.py``.

Each of them fits every (library, method, n) cell in a fresh subprocess
(``_common.run_worker``) and reports fit time and peak memory against ``n``.
What lives here:

- worker side: the imports of a worker (the import-only baseline imports the
  same), the spec and ``result.json`` around the cell's own work, and the
  timed fit between the ``ready`` and ``done`` marks;
- command line: the options every speed script has besides the common ones
  (``--sizes``, ``--max-seconds``, ``--max-memory-gb``, ``--repeats``) and the
  ``--n-jobs`` note;
- parent side: the workers' environment (``--blas-threads`` through
  ``_cli.child_env``), which peers import, and the run itself on a
  ``_grid.GridRunner``: the import-only baselines, then the grid size by size
  (every line of the grid, a (library, method), at the smallest size, then the
  next size; a line whose cell at ``n`` failed, by timeout, OOM or error, is
  not run at larger sizes), each cell one subprocess (or its repeats);
- reporting: the report's frame, tables against ``n`` and their cells, the
  ratio tables, the header and its last line, the files, the log-log plot.

The scripts choose the data, the estimators and what they check; this module
does not know them. On dask (``--backend dask``) a cell still starts
``python <script> --worker spec.json``: with ``--scheduler``, the workers must
see the script (and this folder) at the same path.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import sys
import time
import warnings
from pathlib import Path

import _cli
from _common import (
    RESULTS_DIR,
    fmt_ratio,
    machine_info,
    markdown_table,
    module_imports,
    package_versions,
    quiet_tensorflow,
    reset_peak,
    run_worker,
    status_kb,
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


def worker_argv(argv):
    """The spec path of a worker's command line (``--worker spec.json``), else None.

    A script's ``main`` calls this first, so that a worker parses nothing else.
    """
    return argv[1] if len(argv) == 2 and argv[0] == "--worker" else None


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


# ============================================================================ command line

#: What ``--n-jobs`` says in every speed script's ``--help``.
N_JOBS_NOTE = (
    "every cell is one fit in its own subprocess: with N jobs, N fits run at\n"
    "once and their times and memory include the contention; 1 is the measuring\n"
    "setting. The grid runs size by size, so that a (library, method) that hits a\n"
    "cap at n is not run at larger n whatever N"
)


def size_list(text):
    """``--sizes``: comma-separated positive row counts, sorted, without repeats."""
    try:
        values = sorted({int(v) for v in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"comma-separated integers expected, got {text!r}"
        ) from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return tuple(values)


def size_text(values):
    """Sizes as ``--help`` shows them: ``500,1000,2000``."""
    return ",".join(str(v) for v in values)


def add_speed_options(
    parser,
    *,
    sizes_help,
    max_seconds,
    max_memory_gb,
    repeats,
    quick_max_seconds=None,
    quick_repeats=None,
    repeat_below=None,
    max_seconds_help="cap per fit (s)",
):
    """The options of every speed script besides the common ones.

    ``--sizes`` (its help ``sizes_help`` says its default), ``--max-seconds``,
    ``--max-memory-gb``, ``--repeats``. With ``quick_max_seconds`` /
    ``quick_repeats`` the default of that option depends on ``--quick``: its
    default is None and :func:`finish_speed_options` sets it. ``repeat_below``:
    only the fits shorter than that many seconds are repeated.
    ``max_seconds_help``: what the time cap covers.
    """
    group = parser.add_argument_group("grid and caps")
    group.add_argument("--sizes", type=size_list, help=sizes_help)
    if quick_max_seconds is None:
        group.add_argument("--max-seconds", type=float, default=max_seconds, help=max_seconds_help)
    else:
        group.add_argument(
            "--max-seconds",
            type=float,
            help=f"{max_seconds_help} (default: {max_seconds:g}; {quick_max_seconds:g} "
            "with --quick)",
        )
    group.add_argument(
        "--max-memory-gb", type=float, default=max_memory_gb, help="cap per process (GB)"
    )
    what = "fresh processes per cell, the fastest kept" + (
        f"\n(only fits under {repeat_below:g} s are repeated)" if repeat_below else ""
    )
    if quick_repeats is None:
        group.add_argument("--repeats", type=int, default=repeats, help=what)
    else:
        group.add_argument(
            "--repeats",
            type=int,
            help=f"{what} (default: {repeats}; {quick_repeats} with --quick)",
        )
    parser.set_defaults(
        _speed_defaults=(max_seconds, quick_max_seconds, repeats, quick_repeats),
    )
    return group


def finish_speed_options(parser, args):
    """The ``--quick``-dependent defaults of :func:`add_speed_options`, and their checks."""
    max_seconds, quick_max_seconds, repeats, quick_repeats = args._speed_defaults
    if args.max_seconds is None:
        args.max_seconds = quick_max_seconds if args.quick else max_seconds
    if args.repeats is None:
        args.repeats = quick_repeats if args.quick else repeats
    if args.max_seconds <= 0:
        parser.error("--max-seconds must be positive")
    if args.max_memory_gb <= 0:
        parser.error("--max-memory-gb must be positive")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


# ============================================================================ parent side


def blas_inherited():
    """The BLAS variables of this process (None for an unset one).

    A pool process gets its own (joblib's loky workers set them to keep their
    children from oversubscribing); the workers of a run get these instead, so
    that ``--blas-threads 0`` leaves them as they are here whatever the backend.
    """
    return {name: os.environ.get(name) for name in _cli.BLAS_VARIABLES}


def worker_env(blas_threads, inherited=None):
    """The environment of the workers: this one, TensorFlow quiet, BLAS pinned if asked.

    ``inherited`` (:func:`blas_inherited` of the parent) replaces this
    process's BLAS variables first; ``blas_threads`` (0 or None: leave them)
    then pins them through ``_cli.child_env``.
    """
    env = dict(os.environ)
    for name, value in (inherited or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return _cli.child_env(blas_threads, env)


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


def grid_settings(script, args, job, **extra):
    """What every cell of a run needs: the worker script, the caps, the repeats, BLAS.

    ``job``: the spec key that names the fit (None in an import-only baseline).
    The dict goes to the cells (``GridRunner.map``), not into the report.
    """
    return {
        "script": str(Path(script).resolve()),
        "job": job,
        "max_seconds": args.max_seconds,
        "max_memory_kb": int(args.max_memory_gb * 1024**2),
        "repeats": args.repeats,
        "blas_threads": args.blas_threads,
        "blas_inherited": blas_inherited(),
        **extra,
    }


def cell_env(settings):
    """The environment of a cell's workers (:func:`worker_env` of its settings)."""
    return worker_env(settings["blas_threads"], settings["blas_inherited"])


def baseline_cell(cell, payload, settings):
    """The peak (MB) of a worker that only imports what ``cell["library"]``'s workers do."""
    spec = {"library": cell["library"], settings["job"]: None}
    r = run_worker(
        settings["script"],
        spec,
        settings["max_seconds"],
        settings["max_memory_kb"],
        cell_env(settings),
    )
    return r.get("vmhwm_after_import_kb", 0) / 1024


def repeat_fit(settings, spec, repeat_below, repeat_spec=None, keep_first=False):
    """One cell: a first run and, if it fitted in under ``repeat_below`` s, more runs.

    The repeats (``settings["repeats"] - 1`` of them, each in a fresh process,
    with ``repeat_spec`` if given, else ``spec``) keep the fastest fit time;
    failed repeats are dropped. The result is that of the fastest run, or of
    the first run (its checks) with the fastest time if ``keep_first``; it has
    every run's time in ``fit_seconds_all`` and their largest peak in
    ``vmhwm_fit_kb``. A failed first run is the result.
    """
    script, env = settings["script"], cell_env(settings)
    caps = settings["max_seconds"], settings["max_memory_kb"]
    first = run_worker(script, spec, *caps, env)
    if first["status"] != "ok":
        return first
    runs = [first]
    if first["fit_seconds"] < repeat_below:
        for _ in range(settings["repeats"] - 1):
            again = run_worker(script, repeat_spec or spec, *caps, env)
            if again["status"] == "ok":
                runs.append(again)
    best = dict(first if keep_first else min(runs, key=lambda x: x["fit_seconds"]))
    best["fit_seconds"] = min(x["fit_seconds"] for x in runs)
    best["fit_seconds_all"] = [x["fit_seconds"] for x in runs]
    best["vmhwm_fit_kb"] = max(x["vmhwm_fit_kb"] for x in runs)
    return best


def record(cell, result, settings, peak_key):
    """The row of a cell: the cell, its worker's result and, if it finished, ``peak_mb``.

    ``peak_mb`` is ``result[peak_key]`` above the import-only baseline of the
    cell's library (``settings["baselines"]``, MB).
    """
    row = {**cell, **result}
    if result["status"] == "ok":
        row["peak_mb"] = result[peak_key] / 1024 - settings["baselines"][cell["library"]]
    return row


def run_lines(runner, fn, lines, settings, show, desc, skipped="{status} at {n:,}"):
    """The rows of every line of a grid, measured size by size; ``(rows, wall seconds)``.

    ``lines`` are ``(fields, sizes)`` pairs (a line: one library and method,
    ``sizes`` increasing). At each size, in increasing order, the cells
    ``{**fields, "n": n}`` of the lines that have not failed run through
    ``runner.map(fn, ...)`` (``fn(cell, None, settings)`` returns the cell's
    row, with its ``status``); ``show(row)`` is printed on stderr for each. A
    line whose row at ``n`` is not ``"ok"`` is not run at larger sizes: its
    rows there are ``fields``, ``n``, that status and ``skipped`` (a format of
    the failed ``status`` and ``n``). So the rows are those of a run one line
    after the other, whatever the backend. They come in line order, each
    line's sizes in order.
    """
    rows, failed = {}, {}
    start = time.perf_counter()
    for n in sorted({n for _, line_sizes in lines for n in line_sizes}):
        todo = [i for i, (_, s) in enumerate(lines) if n in s and i not in failed]
        for i, (fields, s) in enumerate(lines):
            if n in s and i in failed:
                rows[(i, n)] = {**fields, "n": n, "status": failed[i]["status"]}
                rows[(i, n)]["skipped"] = skipped.format(**failed[i])
        if not todo:
            continue
        cells = [{**lines[i][0], "n": n} for i in todo]
        results = runner.map(fn, cells, {0: None}, lambda c: 0, settings, desc=f"{desc}, n={n:,}")
        for i, row in zip(todo, results):
            rows[(i, n)] = row
            print(show(row), file=sys.stderr, flush=True)
            if row["status"] != "ok":
                failed[i] = {"status": row["status"], "n": n}
    wall = time.perf_counter() - start
    return [rows[(i, n)] for i, (_, s) in enumerate(lines) for n in s], wall


def import_baselines(runner, libraries, settings):
    """``{library: MB}``: the import-only baseline of every library (one cell each)."""
    cells = [{"library": library} for library in libraries]
    peaks = runner.map(baseline_cell, cells, {0: None}, lambda c: 0, settings, desc="baselines")
    baselines = dict(zip(libraries, peaks))
    for library, mb in baselines.items():
        print(f"  import baseline {library}: {mb:.0f} MB", file=sys.stderr, flush=True)
    return baselines


def by_value():
    """The modules a dask worker gets by value (it needs tlearn, not this folder)."""
    import _common
    import _speed

    return (_speed, _common, _cli)


def execute(args, fn, lines, libraries, settings, show, desc, skipped="{status} at {n:,}"):
    """The baselines, then the grid (:func:`run_lines`) on the runner the flags ask for.

    Returns ``(rows, baselines, run info)``; ``settings`` gets the baselines.
    """
    with _cli.grid_runner(args, by_value=by_value()) as runner:
        start = time.perf_counter()
        settings["baselines"] = import_baselines(runner, libraries, settings)
        baseline_seconds = time.perf_counter() - start
        rows, wall = run_lines(runner, fn, lines, settings, show, desc, skipped)
        info = dict(runner.info)
    info.update(baseline_seconds=baseline_seconds, grid_seconds=wall)
    return rows, settings["baselines"], info


def status_text(r):
    """A failed run as the progress lines show it: its status and its error, if any."""
    return r["status"] + (f" ({r['error']})" if r.get("error") else "")


def new_report(benchmark, settings, libraries, missing, args):
    """The report of a run before any cell: date, command, versions and empty results."""
    return {
        "benchmark": benchmark,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _cli.command_as_typed(),
        "quick": args.quick,
        "settings": {**settings, "n_jobs": args.n_jobs, "backend": args.backend},
        "versions": package_versions(),
        "machine": machine_info(),
        "libraries": libraries,
        "peers_not_run": missing,
        "import_baseline_mb": {},
        "rows": [],
    }


def finish_report(report, rows, baselines, info):
    """``report`` with the rows, the baselines, the run and the load at the end."""
    report.update(rows=rows, import_baseline_mb=baselines, run=info)
    report["wall_seconds"] = info["grid_seconds"]
    report["machine"]["load_average_at_end"] = os.getloadavg()
    return report


def write_outputs(report, stem, fields, plot_report, name):
    """CSV (``report["rows"]``, columns ``fields``), JSON and, with matplotlib, PNG: the
    paths written (:func:`_cli.write_outputs`, under this module's ``RESULTS_DIR``)."""
    return _cli.write_outputs(report, stem, fields, report["rows"], plot_report, name, RESULTS_DIR)


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


def parallel_text(settings):
    """The header line of a run whose cells ran several at a time (None for one at a time)."""
    n_jobs, backend = settings.get("n_jobs", 1), settings.get("backend", "joblib")
    if backend != "dask" and n_jobs == 1:
        return None
    where = f"{n_jobs} at a time (joblib)" if backend != "dask" else "on dask"
    return (
        f"Cells: {where}; the fit times and memory include their contention "
        "(--n-jobs 1 is the measuring setting)."
    )


def header_text(lines, report):
    """``lines``, how the cells ran, the libraries run, the peers not run (``{peer: why}``),
    one a line, and the machine load at the start."""
    lines = [*lines]
    parallel = parallel_text(report["settings"])
    if parallel:
        lines.append(parallel)
    lines.append(f"Libraries: {', '.join(report['libraries'])}.")
    lines += [
        f"Not run: {peer} (import failed: {why})." for peer, why in report["peers_not_run"].items()
    ]
    text = "\n".join(lines) + "\n"
    load = report["machine"].get("load_average")
    if load:
        text += "\nMachine load at the start: " + load_values(load) + ".\n"
    return text


def load_values(load):
    """A load average triple as ``uptime`` prints it."""
    return "load average: " + ", ".join(f"{x:.2f}" for x in load)


def run_text(report):
    """The last line of the output: the cells, the backend, the wall time, the load."""
    parts = []
    run = report.get("run")
    if run:
        backend = run["backend"] + (f", {run['scheduler']}" if "scheduler" in run else "")
        if "n_jobs" in run and run["backend"] != "sequential":
            backend += f", n_jobs={run['n_jobs']}"
        measured = sum("skipped" not in r for r in report["rows"])
        parts.append(f"Run: {measured} cells on {backend}")
    if report.get("wall_seconds") is not None:
        parts.append(f"wall time {report['wall_seconds']:.0f} s")
    end = report["machine"].get("load_average_at_end")
    if end:
        parts.append(f"machine load at the end: {load_values(end)}")
    if not parts:
        return ""
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


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
