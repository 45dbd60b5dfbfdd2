"""Sphinx extension: the benchmark pages' tables and figures, generated from the result files.

Every ``docs/benchmarks/results/*.json`` is the report of one run of a script
of ``benchmarks/`` (the file its ``--output`` wrote; the report's
``"benchmark"`` names the script). At the start of every build this extension
imports that script by path and writes, into ``docs/benchmarks/generated/``
(a build product, git-ignored):

- ``<stem>.md``: where the figures come from (the command, date, versions and
  machine of the run), then ``render(report)``: the very text the script prints
  after the run, and ``python benchmarks/<script>.py --render <file>`` prints;
- ``<stem>.png``: ``plot_report(report, path)``, the script's own figure, shown
  at the end of the fragment.

The pages (``docs/benchmarks/*.md``) include the fragments, so a table in the
built documentation is always the one the result file gives. A result file
whose script cannot render it fails the build, as does a page that includes a
fragment with no result file behind it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
RESULTS = DOCS / "benchmarks" / "results"
GENERATED = DOCS / "benchmarks" / "generated"
SCRIPTS = DOCS.parent / "benchmarks"


def load_script(name):
    """The module of ``benchmarks/<name>.py`` (with ``benchmarks/`` importable)."""
    path = SCRIPTS / f"{name}.py"
    if not path.is_file():
        raise RuntimeError(f"no benchmark script {path} for its result file")
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(f"tlearn_benchmark_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def command_line(report):
    """The run's command as a user types it (``python benchmarks/x.py ...``)."""
    command = list(report.get("command") or [])
    if len(command) >= 2 and command[1].endswith(".py"):
        args, shown = command[2:], []
        while args:  # where the run wrote its files says nothing about the figures
            arg = args.pop(0)
            if arg == "--output" and args:
                args.pop(0)
            elif not arg.startswith("--output="):
                shown.append(arg)
        return " ".join(["python", f"benchmarks/{Path(command[1]).name}", *shown])
    return " ".join(command) or "(not recorded)"


def provenance(report, source):
    """Where the figures of a fragment come from, as a short list."""
    versions = report.get("versions") or {}
    shown = ", ".join(
        f"{name} {versions[name]}"
        for name in ("tlearn", "numpy", "scipy", "scikit-learn", "skada", "adapt")
        if versions.get(name)
    )
    machine = report.get("machine") or {}
    load = machine.get("load_average") or machine.get("load_average_at_end")
    where = f"{machine.get('cpus', '?')} CPUs" + (
        f", load average {', '.join(f'{x:.2f}' for x in load)}" if load else ""
    )
    return "\n".join(
        [
            f"- Result file: `docs/benchmarks/results/{source.name}`",
            f"- Command: `{command_line(report)}`",
            f"- Run: {report.get('date', '(date not recorded)')}; {where}",
            f"- Versions: {shown or '(not recorded)'}",
            f"- Re-print: `python benchmarks/{report['benchmark']}.py --render "
            f"docs/benchmarks/results/{source.name}`",
            "",
        ]
    )


def generate(results=RESULTS, out=GENERATED):
    """Write every fragment and figure; the paths written."""
    import matplotlib

    matplotlib.use("agg")
    out.mkdir(parents=True, exist_ok=True)
    written, modules = [], {}
    for source in sorted(results.glob("*.json")):
        report = json.loads(source.read_text())
        name = report.get("benchmark")
        if not name:
            raise RuntimeError(f"{source} has no 'benchmark' key: not a benchmark report")
        if name not in modules:
            modules[name] = load_script(name)
        module = modules[name]
        text = provenance(report, source) + "\n" + module.render(report).rstrip() + "\n"
        png = out / f"{source.stem}.png"
        if hasattr(module, "plot_report"):
            module.plot_report(report, png)
            text += f"\n![The figure of this run](generated/{png.name})\n"
        fragment = out / f"{source.stem}.md"
        fragment.write_text(text, encoding="utf-8")
        written += [fragment, png]
    return written


def _on_builder_inited(app):
    generate()


def setup(app):
    app.connect("builder-inited", _on_builder_inited)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
