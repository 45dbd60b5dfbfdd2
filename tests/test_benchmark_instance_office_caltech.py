"""``benchmarks/instance_office_caltech.py`` on the shared runner: its flags, a tiny real run
on the Office-Caltech-10 copy shipped with tlearn, and ``--render`` of the saved run.

The script is not part of the package: it is imported by path. The peers (ADAPT,
SKADA) are made unimportable here, so ``--peers`` must name them and run the rest.
"""

import csv
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from _bench_cli import check_help, load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "instance_office_caltech.py"


def test_help_shows_every_common_flag_and_every_default():
    blocks, checked = check_help("instance_office_caltech")
    # --n-jobs, --backend, --blas-threads, --labels-per-class, --n-estimators, --kmm-B
    assert checked == 6
    assert "(default: source CV)" in blocks["--C"]  # None: the help says what is used


def test_no_private_tlearn_import():
    text = SCRIPT.read_text()
    assert not re.findall(r"tlearn(?:\.\w+)*\._\w+", text)
    assert "from tlearn.metrics import median_heuristic_gamma" in text


def test_tasks_override_quick_and_bad_flags_are_errors(capsys):
    bench = load_script("instance_office_caltech")
    args = bench.parse_args(["--quick"])
    assert args.tasks == list(bench.QUICK_TASKS) and args.seeds == [0, 1]
    args = bench.parse_args(["--quick", "--tasks", "C->A"])  # as before the shared runner
    assert args.tasks == ["C->A"] and args.seeds == [0, 1, 2, 3, 4]
    for bad in (["--labels-per-class", "0"], ["--seeds", "a"], ["--tasks", "X->Y"]):
        with pytest.raises(SystemExit) as exit_info:
            bench.parse_args(bad)
        assert exit_info.value.code == 2
    assert "unknown tasks ['X->Y']" in capsys.readouterr().err


def test_too_many_labels_per_class_is_a_clear_error(tmp_path, monkeypatch):
    empty = tmp_path / "mirror"
    empty.mkdir()
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TLEARN_DATA_MIRROR", empty.as_uri())
    bench = load_script("instance_office_caltech")
    with pytest.raises(SystemExit) as exit_info:
        bench.prepare(["--tasks", "C->D", "--labels-per-class", "12"])  # dslr: 8 to 24 a class
    assert str(exit_info.value.code).startswith("error: --labels-per-class 12 on C->D: class ")


def test_tiny_run_on_the_shipped_copy_and_its_render(tmp_path, monkeypatch, capsys):
    """One task, one seed, 1 label per class, 2 TrAdaBoost rounds, --peers without the
    peers: the printed text is render(saved JSON), and --render prints it again."""
    empty = tmp_path / "mirror"
    empty.mkdir()
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TLEARN_DATA_MIRROR", empty.as_uri())  # nothing there: shipped copy
    for name in ("adapt", "adapt.instance_based", "skada"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    bench = load_script("instance_office_caltech")
    stem = tmp_path / "run"
    argv = ["--tasks", "D->W", "--seeds", "0", "--labels-per-class", "1", "--n-estimators", "2"]
    bench.main([*argv, "--peers", "--no-progress", "--output", str(stem)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "Not run: adapt (ModuleNotFoundError: " in out
    assert "Not run: skada (ModuleNotFoundError: " in out
    assert "Libraries: tlearn." in out
    assert "Files: the Office-Caltech-10 SURF copy shipped with tlearn" in out

    report = json.loads(stem.with_suffix(".json").read_text())
    printed, wrote = out.rsplit("\nWrote ", 1)
    assert wrote.startswith(f"{stem}.csv, {stem}.json")
    assert bench.render(report) == printed
    bench.main(["--render", str(stem.with_suffix(".json"))])
    assert capsys.readouterr().out == printed

    records = report["records"]
    assert [(r["method"], r["library"]) for r in records] == [
        k for k in bench.METHODS if k[1] != "adapt" and k[1] != "skada"
    ]
    n_target = 295  # webcam
    assert all(r["error"] is None and 0 <= r["accuracy"] <= 100 for r in records)
    assert all(r["n_labelled"] == 10 and r["n_test"] == n_target - 10 for r in records)
    kmm = next(r for r in records if r["method"] == "KMM")
    assert kmm["kmm_max_violation"] <= 1e-9 and kmm["kmm_max_weight"] <= 1000
    # the gamma passed to every library: the median heuristic of the pooled rows
    from tlearn.datasets import load_office_caltech10
    from tlearn.metrics import median_heuristic_gamma

    Xs, _ = load_office_caltech10("dslr", return_X_y=True)
    Xt, _ = load_office_caltech10("webcam", return_X_y=True)
    pooled = np.vstack([bench._common.row_sum_zscore(Xs), bench._common.row_sum_zscore(Xt)])
    assert kmm["kmm_gamma"] == median_heuristic_gamma(pooled, random_state=0)
    # the header names the C of the source CV, the tables every method
    assert f"D: C = {report['settings']['C_by_source']['D']:g}" in printed
    for method in ("target-only", "pooled", "TrAdaBoost (proba)", "KMM"):
        assert f"| {method} |" in printed
    with open(stem.with_suffix(".csv"), newline="") as fh:
        assert next(csv.reader(fh)) == bench.CSV_FIELDS
