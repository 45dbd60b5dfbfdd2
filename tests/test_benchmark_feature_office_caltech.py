"""``benchmarks/feature_office_caltech.py`` on the shared runner: its flags, a tiny real run
on the Office-Caltech-10 copy shipped with tlearn, ``--render`` of the saved run, and the
same numbers on two processes as on one.

The script is not part of the package: it is imported by path. The peers (ADAPT,
SKADA) are made unimportable here, so ``--peers`` must name them and run the rest.
"""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _bench_cli import check_help, load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "feature_office_caltech.py"


def test_help_shows_every_common_flag_and_every_default():
    blocks, checked = check_help("feature_office_caltech")
    # --n-jobs, --backend, --blas-threads, --lr-C, --tca-components, --tca-mu,
    # --sa-components, --coral-reg, --protocol, --splits, --cv-seeds, --cv-repeats,
    # --source-per-class
    assert checked == 13
    # None: the help says what is used then
    assert "(default: 1/800)" in blocks["--tca-gamma"]
    assert "(default: all 12; overrides --quick)" in blocks["--tasks"]
    assert "(default: all of them)" in blocks["--methods"]
    assert "(default: 1-NN, LR, and the SVMs with --svm)" in blocks["--classifiers"]


def test_no_private_tlearn_import():
    text = SCRIPT.read_text()
    assert not re.findall(r"tlearn(?:\.\w+)*\._\w+", text)
    assert "from tlearn.feature import CORAL, TCA, SubspaceAlignment" in text


def test_options_and_bad_flags(capsys):
    bench = load_script("feature_office_caltech")
    args = bench.parse_args(["--quick"])
    assert args.tasks == list(bench.QUICK_TASKS) and args.classifiers == ["1-NN", "LR"]
    args = bench.parse_args(["--quick", "--tasks", "C->A", "--svm"])
    assert args.tasks == ["C->A"] and args.classifiers == ["1-NN", "LR", "SVM", "SVM-rbf", "SVM-K"]
    assert bench.output_stem(args) == "feature_office_caltech_svm_quick"
    args = bench.parse_args(["--protocol", "gong-splits", "--source-per-class", "D=8"])
    assert args.per_class == {"D": 8} and bench.output_stem(args) == "feature_office_caltech_gong"
    # --svm: the SVM-K row has the CORAL paper's figure (gong-splits: the no-adaptation row)
    published = bench.published_means_of(bench.parse_args(["--svm"]))
    assert published[("CORAL", "SVM-K")][0] == 48.8
    published = bench.published_means_of(bench.parse_args(["--svm", "--protocol", "gong-splits"]))
    assert list(published) == [("source-only", "SVM-rbf")]
    for bad in (
        ["--tasks", "X->Y"],
        ["--methods", "JDA"],
        ["--classifiers", "SVM-K"],  # the SVMs need --svm
        ["--cv-seeds", "0"],
        ["--protocol", "gong-splits", "--cv-seeds", "2"],
        ["--source-per-class", "Q=3"],
        ["--lr-C", "0"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            bench.parse_args(bad)
        assert exit_info.value.code == 2, bad
    err = capsys.readouterr().err
    assert "unknown tasks ['X->Y']" in err and "(the SVMs need --svm)" in err


def test_skada_tca_rbf_with_another_gamma_is_a_named_row():
    bench = load_script("feature_office_caltech")
    args = bench.parse_args(["--tca-gamma", "0.01", "--methods", "source-only,TCA rbf"])
    settings = bench.base_settings(args)
    keys, skipped = bench.make_plan_rows(
        args.methods, args.classifiers, ["tlearn", "skada"], settings, 800
    )
    assert keys == [
        ("source-only", "1-NN", "tlearn"),
        ("source-only", "LR", "tlearn"),
        ("TCA rbf", "1-NN", "tlearn"),
        ("TCA rbf", "1-NN", "skada"),
        ("TCA rbf", "LR", "tlearn"),
        ("TCA rbf", "LR", "skada"),
    ]
    assert set(skipped) == {("TCA rbf", "1-NN", "skada"), ("TCA rbf", "LR", "skada")}
    cells = bench.make_cells(keys, skipped, ["D->W", "W->D"])
    assert len(cells) == 4 * 2 and all(c["library"] == "tlearn" for c in cells)


def test_tiny_run_on_the_shipped_copy_its_render_and_two_jobs(tmp_path, monkeypatch, capsys):
    """One task, two methods, 1-NN, LR and the CORAL paper's SVM-K, --peers without the
    peers: the printed text is render(saved JSON), --render prints it again, and two
    processes give the numbers of one."""
    empty = tmp_path / "mirror"
    empty.mkdir()
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TLEARN_DATA_MIRROR", empty.as_uri())  # nothing there: shipped copy
    for name in ("adapt", "adapt.feature_based", "skada"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    bench = load_script("feature_office_caltech")
    argv = ["--tasks", "D->W", "--methods", "source-only,CORAL", "--svm"]
    argv += ["--classifiers", "1-NN,LR,SVM-K", "--peers", "--no-progress"]
    stem = tmp_path / "run"
    bench.main([*argv, "--output", str(stem)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "Not run: skada (ModuleNotFoundError: " in out
    assert "Not run: adapt (ModuleNotFoundError: " in out
    assert "Libraries: tlearn." in out
    assert "Files: the Office-Caltech-10 SURF copy shipped with tlearn" in out

    report = json.loads(stem.with_suffix(".json").read_text())
    assert report["benchmark"] == "feature_office_caltech"
    printed, wrote = out.rsplit("\nWrote ", 1)
    assert wrote.startswith(f"{stem}.csv, {stem}.json")
    assert bench.render(report) == printed
    bench.main(["--render", str(stem.with_suffix(".json"))])
    assert capsys.readouterr().out == printed

    records = report["records"]
    assert [(r["method"], r["classifier"]) for r in records] == [
        ("source-only", "1-NN"),
        ("source-only", "LR"),
        ("CORAL", "1-NN"),
        ("CORAL", "LR"),
        ("CORAL", "SVM-K"),
    ]
    assert all(r["error"] is None and r["library"] == "tlearn" for r in records)
    accuracy = {(r["method"], r["classifier"]): r["accuracy"] for r in records}
    # the published 1-NN baseline, exact; CORAL + LR as tests/feature pins it (295 rows)
    assert accuracy[("source-only", "1-NN")] == pytest.approx(63.39, abs=0.005)
    assert accuracy[("CORAL", "LR")] == pytest.approx(82.71, abs=0.005)
    assert "| CORAL | SVM-K | tlearn | " in printed and "| 48.8 |" in printed
    assert "largest difference 0.00 points (reproduced)" in printed
    with open(stem.with_suffix(".csv"), newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == list(bench.CSV_FIELDS)
    assert lines[1] == ["source-only", "1-NN", "tlearn", "D->W", "63.3898", lines[1][5]]

    # two processes (joblib), without the SVM to keep it short and without --peers (the
    # peers may be installed where the script runs): the script as typed, in a process of
    # its own, so that its workers import benchmarks/ (a worker pool that an earlier test
    # of the session started from pytest could not)
    argv[argv.index("1-NN,LR,SVM-K")] = "1-NN,LR"
    argv.remove("--peers")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *argv, "--n-jobs", "2", "--output", str(tmp_path / "two")],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    two = json.loads((tmp_path / "two.json").read_text())
    assert two["run"]["n_jobs"] == 2
    assert [r["accuracy"] for r in two["records"]] == [r["accuracy"] for r in records[:4]]
