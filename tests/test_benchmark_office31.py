"""The ``benchmarks/office31.py`` script: its grid on dask equals the sequential run, and a
user without the data gets a clear message.

The script is not part of the package: it is imported by path. The dask test
needs ``dask.distributed`` (tlearn's ``benchmarks`` extra) and is skipped
without it.
"""

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "office31.py"


def load_script():
    spec = importlib.util.spec_from_file_location("tlearn_benchmark_office31", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its functions must be importable by pickle
    spec.loader.exec_module(module)
    return module


def comparable(records):
    """The records without their timings (the only part that may differ between runs)."""
    return [{k: v for k, v in r.items() if k != "fit_seconds"} for r in records]


def test_dask_grid_equals_sequential_run():
    try:
        from distributed import LocalCluster
    except ImportError:
        pytest.skip(
            "dask.distributed is not installed: pip install 'dask[distributed]' "
            "(tlearn's benchmarks extra) to run the benchmark grid on dask"
        )
    bench = load_script()
    plan = bench.prepare(["--dataset", "synthetic", "--quick", "--no-progress"])
    sequential, info = bench.execute(plan)
    assert info["backend"] == "sequential"
    assert len(sequential) == len(plan["cells"]) > 0
    assert all(r["error"] is None and math.isfinite(r["accuracy"]) for r in sequential)

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        on_dask, info = bench.execute(plan, scheduler=cluster.scheduler_address)
    assert info["backend"] == "dask" and info["worker_threads"] == 1
    assert comparable(on_dask) == comparable(sequential)


def test_no_data_message(tmp_path):
    """Office-31 SURF asked for by name, with an empty data home and an empty mirror:
    exit code 1, the files to get and where to put them, no traceback."""
    home, mirror = tmp_path / "home", tmp_path / "mirror"
    mirror.mkdir()
    env = dict(os.environ, TLEARN_DATA_HOME=str(home), TLEARN_DATA_MIRROR=mirror.as_uri())
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--dataset", "office31", "--quick", "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    message = proc.stderr
    assert "Office-31" in message
    archive = "office31/domain_adaptation_features_20110616.tar.gz"
    assert f"put it at {home}/{archive}" in message
    assert "1bb83153343eb0d2c44f66ee63990639176855b2b894fae17ef82c7198123291" in message
    assert "TLEARN_DATA_HOME" in message and "TLEARN_DATA_MIRROR" in message
    assert "--dataset synthetic" in message
    assert proc.stdout == ""  # nothing ran


def test_offline_default_falls_back_to_the_shipped_data(tmp_path):
    """Issue 19: with no flag and no way to download Office-31, the main job says so in
    one line and runs on the shipped Office-Caltech-10 copy, labelled in the header, the
    file names and the JSON (a short task list keeps the test quick)."""
    home, mirror = tmp_path / "home", tmp_path / "mirror"
    mirror.mkdir()
    env = dict(os.environ, TLEARN_DATA_HOME=str(home), TLEARN_DATA_MIRROR=mirror.as_uri())
    stem = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-progress", "--tasks", "D->W"]
        + ["--seeds", "0", "--output", str(stem)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    first = proc.stdout.splitlines()[0]
    assert first.startswith("office31.py: Office-31 SURF cannot be fetched")
    assert "Office-Caltech-10 SURF copy shipped with tlearn" in first
    assert "# tlearn on Office-Caltech-10" in proc.stdout
    assert "NOTE: the default data set, Office-31, could not be fetched" in proc.stdout
    report = json.loads(stem.with_suffix(".json").read_text())
    assert report["dataset"] == "office-caltech10"
    assert report["fallback_from"]["from"] == "office31"
    assert "shipped with tlearn" in report["data"]["files"]
    assert stem.with_suffix(".csv").is_file()


def test_missing_matplotlib_is_one_line(tmp_path, monkeypatch, capsys):
    """Issue 19: without matplotlib the CSV and JSON are written, then one line, no
    traceback and exit status 0."""
    bench = load_script()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    stem = tmp_path / "run"
    bench.main(["--dataset", "synthetic", "--quick", "--no-progress", "--output", str(stem)])
    out = capsys.readouterr().out
    assert "matplotlib is not installed, so no PNG was written" in out
    assert stem.with_suffix(".csv").is_file() and stem.with_suffix(".json").is_file()
    assert not stem.with_suffix(".png").exists()
