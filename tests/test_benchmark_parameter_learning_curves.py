"""``benchmarks/parameter_learning_curves.py`` on the shared runner: its flags, a tiny real
run on the Office-Caltech-10 copy shipped with tlearn, ``--render`` of the saved run, and
the same numbers on two processes as on one.

The script is not part of the package: it is imported by path. ADAPT is made
unimportable here, so ``--peers`` must name it and run the rest.
"""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import _bench_cli
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "parameter_learning_curves.py"


def load_script():
    return _bench_cli.load_script("parameter_learning_curves")


def test_help_shows_every_common_flag_and_every_default():
    blocks, checked = _bench_cli.check_help("parameter_learning_curves")
    assert checked == 4  # --n-jobs, --backend, --blas-threads, --datasets
    # None: the help says what is used then
    assert "(default: 1 3 5 10; 1 3 with --quick)" in blocks["--labels-per-class"]
    assert "(default: 0,1,2,3,4; 0,1 with --quick)" in blocks["--seeds"]
    assert "(default: on, off with --quick)" in blocks["--diagnostic"]


def test_no_private_tlearn_import():
    text = SCRIPT.read_text()
    assert not re.findall(r"tlearn(?:\.\w+)*\._\w+", text)
    assert "from tlearn.parameter import SharedPriorLogisticRegression" in text


def test_the_old_options_and_bad_flags(capsys):
    bench = load_script()
    args = bench.parse_args([])
    assert args.datasets == {d: list(t) for d, t in bench.DATASETS.items()}
    assert args.labels_per_class == [1, 3, 5, 10] and args.seeds == [0, 1, 2, 3, 4]
    assert args.diagnostic and args.reg_grid == list(bench.REG_GRID)
    assert bench.output_stem(args) == "parameter_learning_curves"
    args = bench.parse_args(["--quick"])
    assert args.datasets == {"office_caltech": ["C->D", "D->W"], "amazon": ["B->D", "E->K"]}
    assert args.labels_per_class == [1, 3] and args.seeds == [0, 1]
    assert not args.diagnostic and args.reg_grid == [0.01, 1.0, 100.0, 10000.0]
    assert bench.output_stem(args) == "parameter_learning_curves_quick"
    args = bench.parse_args(["--quick", "--tasks", "A->W,K->B", "--diagnostic"])
    assert args.datasets == {"office_caltech": ["A->W"], "amazon": ["K->B"]} and args.diagnostic
    args = bench.parse_args(["--datasets", "amazon", "--labels-per-class", "5", "2"])
    assert list(args.datasets) == ["amazon"] and args.labels_per_class == [2, 5]
    bad = (
        ["--labels-per-class", "0"],
        ["--seeds", "a"],
        ["--tasks", "X->Y"],
        ["--datasets", "office31"],
        ["--datasets", "amazon", "--tasks", "C->A"],
    )
    for argv in bad:
        with pytest.raises(SystemExit) as exit_info:
            bench.parse_args(argv)
        assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown tasks ['X->Y']" in err and "unknown data sets ['office31']" in err


def test_tiny_run_renders_and_two_jobs_give_the_same_numbers(tmp_path, monkeypatch, capsys):
    """One task, one seed, two labels per class, the quick reg grid, --peers without ADAPT:
    the printed text is render(saved JSON), --render prints it again, and --n-jobs 2
    (two processes) gives every number of --n-jobs 1."""
    empty = tmp_path / "mirror"
    empty.mkdir()
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TLEARN_DATA_MIRROR", empty.as_uri())  # nothing there: shipped copy
    for name in ("adapt", "adapt.parameter_based"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    bench = load_script()
    argv = ["--quick", "--datasets", "office_caltech", "--tasks", "D->W", "--seeds", "0"]
    argv += ["--labels-per-class", "2", "--peers", "--no-progress"]
    stem = tmp_path / "run"
    bench.main([*argv, "--output", str(stem)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "- Not run: adapt (ModuleNotFoundError: " in out
    assert "Files: the Office-Caltech-10 SURF copy shipped with tlearn" in out

    report = json.loads(stem.with_suffix(".json").read_text())
    assert report["benchmark"] == "parameter_learning_curves"
    assert report["command"][0] == "python"  # as typed (here: pytest's argv)
    printed, wrote = out.rsplit("\nWrote ", 1)
    assert wrote.startswith(f"{stem}.csv, {stem}.json")
    assert bench.render(report) == printed
    bench.main(["--render", str(stem.with_suffix(".json"))])
    assert capsys.readouterr().out == printed

    records = report["records"]
    assert [(r["method"], r["library"]) for r in records] == [
        k for k in bench.METHODS if k[1] != "adapt"
    ]
    n_target = 295  # webcam, 10 classes
    assert all(r["error"] is None and 0 <= r["accuracy"] <= 100 for r in records)
    assert all(r["n_labelled"] == 20 and r["n_test"] == n_target - 20 for r in records)
    assert all(r["cv"] == "stratified 2-fold" for r in records)
    by = {r["method"]: r for r in records}
    scores = by["target-only"]["cv_scores"]  # C by CV, ties to the smaller C
    assert by["target-only"]["chosen"] == min(
        float(c) for c, v in scores.items() if v >= max(scores.values()) - 1e-9
    )
    grid = report["settings"]["reg_grid"]
    for name in (bench.SP_FREE, bench.SP_PULLED):  # the CV choice: the best score, larger reg
        scores = by[name]["cv_scores"]
        assert set(scores) == {str(r) for r in grid}
        best = max(scores.values())
        assert by[name]["chosen"] == max(r for r in grid if scores[str(r)] >= best - 1e-9)
        assert by[name]["test_accuracy_by_reg"] is None  # --quick: no diagnostic
    cv = by[bench.SP_CV]
    twin = by[bench.SP_PULLED if cv["intercept"] == "pulled" else bench.SP_FREE]
    if twin["chosen"] == cv["chosen"]:  # the same fit, reused
        assert twin["accuracy"] == cv["accuracy"]
    for method in ("source-only", "target-only", "pooled", bench.SP_CV):
        assert f"| {method} |" in printed
    assert "- shared prior, b free > target-only: K=2: " in printed
    with open(stem.with_suffix(".csv"), newline="") as fh:
        assert next(csv.reader(fh)) == bench.CSV_FIELDS

    # two processes: the script as typed (its cells pickled from __main__), without --peers
    # (the same rows: ADAPT is not importable above)
    two = tmp_path / "two"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *argv[:-2], "--no-progress", "--n-jobs", "2"]
        + ["--output", str(two)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report2 = json.loads(two.with_suffix(".json").read_text())
    assert report2["run"]["n_jobs"] == 2 and report["run"]["n_jobs"] == 1

    def numbers(rs):
        return [{k: v for k, v in r.items() if k != "fit_seconds"} for r in rs]

    assert numbers(report2["records"]) == numbers(records)
    assert report2["tables_markdown"] == report["tables_markdown"]
