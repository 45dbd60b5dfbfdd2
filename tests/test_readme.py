"""The README's usage example runs as written."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    accuracy = float(re.search(r"source-only accuracy on the target: ([0-9.]+)", out)[1])
    assert 0.0 <= accuracy <= 1.0
    assert namespace["search"].best_params_["sourceonly__estimator__C"] in (0.1, 1.0, 10.0)
    # the stacked form is what the README says it is
    sd = namespace["sample_domain"]
    assert set(np.unique(sd)) == {1, -2}
    assert np.all(namespace["y"][sd < 0] == -1)
    assert namespace["pipe"][-1].estimator_.classes_.tolist() == [0, 1]


def test_readme_names_the_commands():
    text = README.read_text()
    for command in (
        'python -m pip install -e ".[test]"',
        "python -m pytest",
        "python benchmarks/office31.py",
    ):
        assert command in text, command


def test_two_setup_commands_install_what_they_run():
    """Issue 19: one command installs and runs the main job, one the tests."""
    text = README.read_text()
    assert 'python -m pip install -e ".[benchmarks]" && python benchmarks/office31.py' in text
    assert 'python -m pip install -e ".[test]" && python -m pytest' in text
    pyproject = (README.parent / "pyproject.toml").read_text()
    extras = re.search(r"benchmarks = \[(.*?)\]", pyproject, flags=re.S)[1]
    for package in ("matplotlib", "tqdm", "joblib"):
        assert package in extras, package
    assert "TLEARN_SHARED_DATA" in text


def _section(text, title):
    return re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)[1]


def test_data_sets_section_names_the_variables_and_the_shipped_copy():
    text = _section(README.read_text(), "Data sets")
    for name in ("TLEARN_DATA_HOME", "TLEARN_DATA_MIRROR", "TLEARN_SHARED_DATA"):
        assert name in text, name
    assert "load_office_caltech10" in text
    shipped = re.search(r"`(tlearn/datasets/data/[^`]+)`", text)[1]
    assert (README.parent / shipped).is_file(), shipped


def test_benchmark_commands_parse():
    """Every `python benchmarks/office31.py ...` line of the README is a valid command, and
    the fallback file names it gives are the script's."""
    import importlib.util
    import shlex
    import sys

    script = README.parent / "benchmarks" / "office31.py"
    spec = importlib.util.spec_from_file_location("tlearn_readme_office31", script)
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    try:
        spec.loader.exec_module(bench)
        text = README.read_text()
        commands = re.findall(r"python benchmarks/office31\.py([^#`\n&]*)", text)
        assert len(commands) >= 4
        for tail in commands:
            bench.parse_args(shlex.split(tail))  # an unknown flag exits (SystemExit 2)
        assert f"`{bench.FALLBACK_STEM}*`" in text
    finally:
        del sys.modules[spec.name]
