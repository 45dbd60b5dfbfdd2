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


def offline(monkeypatch, tmp_path):
    """This machine as an offline one: an empty data home, no mirror, and every download
    fails the way urllib fails without a network (what tlearn.datasets._base calls)."""
    import urllib.error
    import urllib.request

    home = tmp_path / "home"
    monkeypatch.setenv("TLEARN_DATA_HOME", str(home))
    monkeypatch.delenv("TLEARN_DATA_MIRROR", raising=False)
    opened = []

    def no_network(url, *args, **kwargs):
        opened.append(getattr(url, "full_url", url))
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return home, opened


def test_offline_default_falls_back_to_the_shipped_data(tmp_path, monkeypatch, capsys):
    """Issue 19: with no flag and no way to download Office-31, the main job says so in
    one line (with where the file goes) and runs on the shipped Office-Caltech-10 copy,
    labelled in the header, the table titles, the file names and the JSON (one task and
    one seed of --quick keep the test quick)."""
    home, opened = offline(monkeypatch, tmp_path)
    bench = load_script()
    monkeypatch.setattr(bench, "RESULTS_DIR", tmp_path / "results")  # the default file names
    bench.main(["--quick", "--no-progress", "--tasks", "D->W", "--seeds", "0"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    from tlearn.datasets._office31 import OFFICE31_ARCHIVES

    assert opened[0] == OFFICE31_ARCHIVES["surf"].url  # it did try, and no mirror was used
    first = out.splitlines()[0]
    assert first.startswith("office31.py: Office-31 SURF cannot be fetched (URLError: ")
    assert "Office-Caltech-10 SURF copy shipped with tlearn" in first
    archive = "office31/domain_adaptation_features_20110616.tar.gz"
    assert f"at {home / archive}" in first and "TLEARN_DATA_MIRROR" in first
    label = "Office-Caltech-10 (SURF-800), the copy shipped with tlearn (offline fallback"
    assert f"# tlearn on {label}" in out
    assert f"## Target accuracy (%) on {label}" in out and f"## At a glance ({label}" in out
    assert "NOTE: the default data set, Office-31, could not be fetched" in out
    stem = tmp_path / "results" / "office31_office-caltech10_offline-fallback_quick"
    for ext in ("csv", "json", "png"):
        assert stem.with_suffix(f".{ext}").is_file(), ext
    report = json.loads(stem.with_suffix(".json").read_text())
    assert report["dataset"] == "office-caltech10"
    assert report["fallback_from"] == "office31"
    assert "URLError" in report["fallback_reason"]
    assert report["data"]["source"] == "shipped"
    assert "shipped with tlearn" in report["data"]["files"]
    assert report["tasks"] == ["D->W"] and report["records"]
    assert all(r["error"] is None for r in report["records"])
    assert not home.exists() or not any(home.rglob("*.part*"))


def test_explicit_office_caltech10_offline_says_which_copy(tmp_path, monkeypatch, capsys):
    """--dataset office-caltech10 offline reads the shipped copy and the header says so;
    with a mirror holding the files, it downloads them (the header says that too)."""
    offline(monkeypatch, tmp_path)
    bench = load_script()
    plan = bench.prepare(["--dataset", "office-caltech10", "--tasks", "D->W", "--seeds", "0"])
    bench.print_header(plan)
    out = capsys.readouterr().out
    assert out.startswith("# tlearn on Office-Caltech-10 (SURF-800), the copy shipped with tlearn:")
    assert "Files: the Office-Caltech-10 SURF copy shipped with tlearn" in out
    assert "since they could not be downloaded" in out
    assert plan["data_info"]["source"] == "shipped" and plan["args"].fallback is None

    shared = Path(os.environ.get("TLEARN_SHARED_DATA", SCRIPT.parents[2] / "shared" / "data"))
    if not (shared / "office_caltech10_surf").is_dir():
        return  # the download path is covered by tests/datasets
    monkeypatch.undo()  # urllib as it is (file:// needs no network)
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "home2"))
    monkeypatch.setenv("TLEARN_DATA_MIRROR", shared.resolve().as_uri())
    plan = bench.prepare(["--dataset", "office-caltech10", "--tasks", "D->W", "--seeds", "0"])
    bench.print_header(plan)
    out = capsys.readouterr().out
    assert out.startswith("# tlearn on Office-Caltech-10 (SURF-800): every method")
    assert "Files: downloaded or found in the data home" in out
    assert plan["data_info"]["source"] == "data home"
    assert (tmp_path / "home2" / "office_caltech10_surf" / "dslr.mat").is_file()


def test_help_says_what_happens_offline(capsys):
    bench = load_script()
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "an explicit --dataset office31 that cannot be had does not fall back" in text
    assert "Office-Caltech-10 SURF copy shipped with tlearn" in text
    assert "without matplotlib the CSV and JSON are written" in text


@pytest.mark.parametrize("missing", [("matplotlib",), ("matplotlib", "tqdm", "tqdm.auto")])
def test_missing_optional_packages_are_one_line(tmp_path, monkeypatch, capsys, missing):
    """Issue 19: with only the test extra (no matplotlib, maybe no tqdm) the CSV and JSON
    are written, then one line, no traceback and a normal exit (status 0); no tqdm, no
    progress bar and no error."""
    bench = load_script()
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    stem = tmp_path / "run"
    try:
        bench.main(["--dataset", "synthetic", "--quick", "--output", str(stem)])
    except SystemExit as exc:  # pragma: no cover - the failure being tested
        pytest.fail(f"main exited with {exc.code!r}")
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if "matplotlib" in line]
    assert lines == [
        "office31.py: matplotlib is not installed, so no PNG was written "
        '(python -m pip install -e ".[benchmarks]").'
    ]
    assert "Traceback" not in out + err
    if "tqdm" in missing:
        assert err == ""  # no progress bar
    assert stem.with_suffix(".csv").is_file() and stem.with_suffix(".json").is_file()
    assert not stem.with_suffix(".png").exists()
    assert f"Wrote {stem}.csv, {stem}.json." in out
