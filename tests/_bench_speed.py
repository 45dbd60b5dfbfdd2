"""What the tests of the three speed benchmarks (``feature_speed.py``, ``kmm_scaling.py``,
``scaling.py``) share: their ``--help`` and a tiny real run with the peers asked for and
hidden. Not a test module.

The scripts are not part of the package: they run as subprocesses, with this worktree's
tlearn first on ``PYTHONPATH``, and are imported by path for their ``render``.
"""

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
PEERS = ("skada", "adapt")


def load(name):
    """The benchmark module ``name`` (e.g. ``"scaling.py"``), imported by path."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    module_name = f"tlearn_benchmark_{name[:-3]}"
    spec = importlib.util.spec_from_file_location(module_name, BENCHMARKS / name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def env_with(*paths):
    """This environment with ``paths`` and the worktree first on ``PYTHONPATH``."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([*map(str, paths), str(ROOT)]))


def check_help(name):
    """``--help`` exits 0, shows every common flag and the default of every option.

    An option of the script's own whose default is None says in its help what is used.
    Returns the help text (whitespace collapsed).
    """
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), "--help"],
        env=env_with(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    module = load(name)
    import _cli

    for flag in _cli.COMMON_FLAGS:
        assert flag in text, flag
    checked = 0
    for action in module.build_parser()._actions:
        if isinstance(action, argparse._HelpAction) or not action.option_strings:
            continue
        if action.default not in (None, False):
            assert f"(default: {action.default})" in text, action.option_strings
            checked += 1
        elif action.default is None and action.option_strings[0] not in _cli.COMMON_FLAGS:
            assert "default" in action.help, action.option_strings
            checked += 1
    assert checked >= 6
    return text


def hidden_peers(tmp_path):
    """A folder whose ``skada`` and ``adapt`` packages raise ImportError (put it first on
    PYTHONPATH: the peers then fail to import whether or not they are installed)."""
    folder = tmp_path / "hidden_peers"
    for peer in PEERS:
        (folder / peer).mkdir(parents=True)
        (folder / peer / "__init__.py").write_text(
            f"raise ImportError('{peer} hidden by the test')\n"
        )
    return folder


def tiny_run(tmp_path, capsys, name, args):
    """Run ``name`` with ``args --peers``, the peers hidden; check what every run must do.

    The run exits 0; it names each peer as not run and why; its stdout is
    ``render(report)`` of the JSON it wrote (and ``--render`` prints the same); the CSV
    has the script's columns. Returns ``(report, stderr)``.
    """
    stem = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / name),
            *args,
            "--peers",
            "--no-progress",
            "--output",
            str(stem),
        ],
        env=env_with(hidden_peers(tmp_path)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    report = json.loads(stem.with_suffix(".json").read_text())
    assert report["benchmark"] == name[:-3]
    assert report["libraries"] == ["tlearn"]
    assert report["peers_not_run"] == {
        peer: f"ImportError: {peer} hidden by the test" for peer in PEERS
    }
    printed, wrote = proc.stdout.rsplit("\nWrote ", 1)
    for peer in PEERS:
        assert f"Not run: {peer} (import failed: ImportError: {peer} hidden by the test)." in (
            printed
        )
    module = load(name)
    assert printed == module.render(report) + "\n"
    capsys.readouterr()
    module.main(["--render", str(stem.with_suffix(".json"))])
    assert capsys.readouterr().out == printed
    assert wrote.startswith(f"{stem}.csv, {stem}.json")
    with open(stem.with_suffix(".csv"), newline="") as fh:
        assert next(csv.reader(fh)) == module.CSV_FIELDS
    return report, proc.stderr
