"""The benchmark pages of the documentation come from the result files, and stay true.

``docs/_ext/benchmark_pages.py`` turns every ``docs/benchmarks/results/*.json``
into the tables its script prints (``render``); the pages include them. Here:
every result file renders (its tasks and its command in the text), every page's
include has a result file behind it, and every result file is shown on a page.
The Sphinx build (CI, with -W) also draws the figures.
"""

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
RESULTS = sorted((DOCS / "benchmarks" / "results").glob("*.json"))
PAGES = sorted((DOCS / "benchmarks").glob("*.md"))
INCLUDE = re.compile(r"^```\{include\} generated/(?P<stem>[\w.-]+)\.md$", re.MULTILINE)


def extension():
    spec = importlib.util.spec_from_file_location(
        "tlearn_docs_benchmark_pages", DOCS / "_ext" / "benchmark_pages.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def included():
    return {m["stem"]: page for page in PAGES for m in INCLUDE.finditer(page.read_text())}


def test_the_pages_and_results_are_found():
    names = {p.name for p in PAGES}
    expected = {
        "index.md",
        "suite.md",
        "feature.md",
        "instance.md",
        "parameter.md",
        "model_selection.md",
        "speed.md",
    }
    assert expected <= names
    assert RESULTS, "no result file: the benchmark pages would be empty"


def test_every_include_has_its_result_file():
    stems = {p.stem for p in RESULTS}
    missing = {stem: page.name for stem, page in included().items() if stem not in stems}
    assert not missing, f"pages include fragments with no result file: {missing}"


def test_every_result_file_is_on_a_page():
    shown = set(included())
    assert not [p.name for p in RESULTS if p.stem not in shown]


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.name)
def test_result_file_renders(path):
    ext = extension()
    report = json.loads(path.read_text())
    module = ext.load_script(report["benchmark"])
    text = ext.provenance(report, path) + module.render(report)
    for task in report.get("tasks") or []:
        assert task in text
    assert f"python benchmarks/{report['benchmark']}.py" in text
    assert "|---|" in text  # at least one table


def test_command_line_leaves_out_where_the_files_went():
    ext = extension()
    report = {"command": ["/venv/bin/python", "/x/benchmarks/office31.py", "--peers",
                          "--output", "/tmp/run", "--n-jobs", "2"]}  # fmt: skip
    assert ext.command_line(report) == "python benchmarks/office31.py --peers --n-jobs 2"


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.name)
def test_result_file_records_the_command_as_typed(path):
    # The published files must not carry the measuring machine's layout
    # (interpreter path, checkout folder): the command is the one a user types.
    command = json.loads(path.read_text())["command"]
    assert command[0] == "python"
    assert command[1] == f"benchmarks/{json.loads(path.read_text())['benchmark']}.py"
    assert not [arg for arg in command if Path(arg).is_absolute()]


def test_command_as_typed_drops_the_interpreter_and_checkout():
    sys.path.insert(0, str(DOCS.parent / "benchmarks"))
    try:
        import _cli
    finally:
        sys.path.remove(str(DOCS.parent / "benchmarks"))
    argv = ["/home/me/src/tlearn/benchmarks/kmm_amazon.py", "--peers", "--rows", "300"]
    assert _cli.command_as_typed(argv) == ["python", "benchmarks/kmm_amazon.py", *argv[1:]]
