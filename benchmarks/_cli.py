"""The command line and the run plumbing that every benchmark script shares (not part of tlearn).

Every script builds its parser with :func:`make_parser`, which adds the flags that mean
the same thing everywhere:

====================  ==============================================================
``--quick``           a smoke run (what it cuts is the script's own ``--help`` text)
``--peers``           also run SKADA and ADAPT where they are installed, side by side
``--n-jobs N``        run the grid's cells on N processes (1: a plain loop here)
``--backend B``       ``joblib`` (a loky process pool) or ``dask`` (dask.distributed)
``--scheduler ADDR``  a running dask scheduler (implies ``--backend dask``)
``--blas-threads T``  BLAS/OpenMP threads inside every fit (0: leave them as they are)
``--output STEM``     file stem under ``benchmarks/results/`` (or a path)
``--render JSON``     print the tables of a saved run (its JSON file) and exit
``--no-progress``     no progress bar on stderr
====================  ==============================================================

and shows every default in ``--help``. :func:`finish` checks them; :func:`grid_runner`
gives the :class:`_grid.GridRunner` they ask for; :func:`blas_limits` pins the thread
pools of this process (a cell function calls it with ``settings["blas_threads"]``);
:func:`output_stem` and :func:`results_path` say where the files go.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from _common import RESULTS_DIR, png_or_reason, write_csv, write_json
from _grid import BACKENDS, GridRunner, dask_available

#: The flags :func:`make_parser` adds to every script (``tests/test_benchmarks_cli.py``).
COMMON_FLAGS = (
    "--quick",
    "--peers",
    "--n-jobs",
    "--backend",
    "--scheduler",
    "--blas-threads",
    "--output",
    "--render",
    "--no-progress",
)

#: The environment variables that pin the BLAS/OpenMP pools of a child process.
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class HelpFormatter(argparse.RawTextHelpFormatter):
    """Keeps the line breaks of the texts and appends every option's default.

    A flag (``store_true``) has no default to show; an option whose default is
    ``None`` says in its own help what is used then.
    """

    def _get_help_string(self, action):
        text = action.help or ""
        if (
            "%(default)" in text
            or action.default in (None, False, argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


def make_parser(doc, *, quick, peers=None, epilog=None, n_jobs_note=None):
    """The parser of a benchmark script, with the common flags in their own group.

    ``doc``: the script's module docstring (its first paragraph is the description);
    ``quick``: what ``--quick`` runs; ``peers``: what ``--peers`` adds (the default
    says SKADA and ADAPT); ``n_jobs_note``: appended to ``--n-jobs``'s help (e.g.
    that timings with several jobs include the contention).
    """
    parser = argparse.ArgumentParser(
        description=doc.strip().split("\n\n")[0],
        formatter_class=HelpFormatter,
        epilog=epilog,
    )
    common = parser.add_argument_group("common to every benchmark script")
    common.add_argument("--quick", action="store_true", help=quick)
    common.add_argument(
        "--peers",
        action="store_true",
        help=peers
        or "also run SKADA and ADAPT where they are installed, with the same data and\n"
        "settings, side by side (a peer that does not import is named and skipped)",
    )
    common.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="processes that run the grid's cells (1: a plain loop in this process)"
        + (f";\n{n_jobs_note}" if n_jobs_note else ""),
    )
    common.add_argument(
        "--backend",
        choices=BACKENDS,
        default="joblib",
        help="joblib: a pool of --n-jobs processes (loky); dask: a dask.distributed\n"
        "LocalCluster of --n-jobs processes, or the cluster of --scheduler",
    )
    common.add_argument(
        "--scheduler", help="address of a running dask scheduler (implies --backend dask)"
    )
    common.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS/OpenMP threads inside every fit (0: leave them as they are)",
    )
    common.add_argument(
        "--output",
        metavar="STEM",
        help="file stem under benchmarks/results/, or a path (absolute, or with a /);\n"
        "by default the script's name, with _quick for a partial run",
    )
    common.add_argument(
        "--render",
        metavar="JSON",
        help="print the tables of a saved run (the JSON file this script wrote) and exit",
    )
    common.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return parser


def finish(parser, args):
    """Check the common flags (``parser.error`` on a bad one); returns ``args``."""
    if args.n_jobs < 1:
        parser.error("--n-jobs must be at least 1")
    if args.blas_threads < 0:
        parser.error("--blas-threads must be 0 (leave as they are) or more")
    if args.scheduler:
        args.backend = "dask"
    if args.backend == "dask" and not args.render:
        ok, why = dask_available()
        if not ok:
            parser.exit(
                2,
                f"error: --backend dask needs dask.distributed ({why}). Install it with "
                "`pip install 'dask[distributed]'` (or tlearn's `benchmarks` extra).\n",
            )
    return args


def grid_runner(args, by_value=(), n_jobs=None):
    """The :class:`_grid.GridRunner` the flags ask for (``n_jobs`` overrides ``--n-jobs``)."""
    return GridRunner(
        n_jobs=args.n_jobs if n_jobs is None else n_jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        by_value=by_value,
    )


def blas_limits(threads):
    """A context that pins this process's BLAS/OpenMP pools to ``threads`` (None/0: as is)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads or None)


def child_env(threads, env=None):
    """``env`` (default ``os.environ``) with the BLAS variables set to ``threads`` (if any)."""
    out = dict(os.environ if env is None else env)
    if threads:
        out.update({name: str(threads) for name in BLAS_VARIABLES})
    return out


def command_as_typed(argv=None):
    """The run's command as a user types it from the repository root:
    ``["python", "benchmarks/<script>.py", *args]``. Neither the interpreter's path nor
    the checkout's folder says anything about the figures, and both would leak the
    measuring machine's layout into published result files."""
    argv = sys.argv if argv is None else list(argv)
    script = Path(argv[0]) if argv else Path("?")
    shown = f"benchmarks/{script.name}" if script.suffix == ".py" else str(script)
    return ["python", shown, *argv[1:]]


def output_stem(args, name, full=True):
    """``--output``, or ``name`` (with ``_quick`` appended when the run is not ``full``)."""
    if args.output:
        return args.output
    return name if full and not args.quick else f"{name}_quick"


def results_path(stem, suffix, results_dir=None):
    """Where the file of ``stem`` with ``suffix`` goes: ``results_dir`` (default
    ``benchmarks/results/``) unless ``stem`` is a path; its folder is created."""
    stem = str(stem)
    base = RESULTS_DIR if results_dir is None else Path(results_dir)
    path = Path(stem) if (os.path.isabs(stem) or "/" in stem) else base / stem
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(path.name + suffix)


def write_outputs(report, stem, fields, rows, plot_report, script, results_dir=None):
    """CSV (``rows`` with the columns ``fields``), JSON and, with matplotlib, the PNG of
    ``plot_report(report, path)``; the paths written. Without matplotlib (or a part of
    it) one line says why there is no PNG (:func:`_common.png_or_reason`)."""
    csv_path, json_path = (results_path(stem, s, results_dir) for s in (".csv", ".json"))
    write_csv(csv_path, fields, rows)
    write_json(json_path, report)
    png = png_or_reason(plot_report, report, results_path(stem, ".png", results_dir), script)
    return [csv_path, json_path] + ([png] if png else [])


def load_report(path, benchmark):
    """The JSON report at ``path``; exits with a clear message if it is not ``benchmark``'s."""
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        sys.exit(f"error: cannot read the saved run {path}: {type(exc).__name__}: {exc}")
    if report.get("benchmark") != benchmark:
        sys.exit(
            f"error: {path} is a run of {report.get('benchmark')!r}, not of {benchmark!r}; "
            f"render it with benchmarks/{report.get('benchmark')}.py"
        )
    return report
