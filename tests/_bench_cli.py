"""What the tests of the benchmark scripts on the shared runner share: the script imported
by path, and its ``--help`` (every common flag, the default of every option). Not a test
module.
"""

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"


def load_script(name):
    """``benchmarks/<name>.py`` imported by path, registered in ``sys.modules`` (its
    functions must be importable by pickle)."""
    path = BENCHMARKS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"tlearn_benchmark_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def option_blocks(help_text):
    """``{option string: its help text, on one line}`` of an argparse ``--help`` output."""
    blocks, current = {}, None
    for line in help_text.splitlines():
        match = re.match(r"^  (-\S+)", line)
        if match:
            current = []
            for name in re.findall(r"(--?[\w-]+)", line.split("  ")[1]):
                blocks[name] = current
        if current is not None:
            current.append(line.strip())
    return {name: " ".join(lines) for name, lines in blocks.items()}


def check_help(name):
    """``benchmarks/<name>.py --help`` exits 0, shows every common flag of ``_cli`` and,
    for every option with a default (not None, not a flag), ``(default: <value>)``.

    Returns ``(blocks, checked)``: :func:`option_blocks` of the help, and how many
    defaults were checked (the caller says how many it expects, and checks the help of
    the options whose default is None).
    """
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), "--help"],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    bench = load_script(name)
    import _cli

    blocks = option_blocks(proc.stdout)
    for flag in _cli.COMMON_FLAGS:
        assert flag in blocks, flag
    checked = 0
    for action in bench.build_parser()._actions:
        if action.help == argparse.SUPPRESS or not action.option_strings:
            continue
        if action.default in (None, False, argparse.SUPPRESS):
            continue
        block = blocks[action.option_strings[-1]]
        assert f"(default: {action.default})" in block, (action.option_strings, block)
        checked += 1
    return blocks, checked
