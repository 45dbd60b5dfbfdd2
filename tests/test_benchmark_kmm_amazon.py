"""``benchmarks/kmm_amazon.py`` on the shared runner: its flags, a tiny real run on two
Amazon-reviews domains (skipped without the shared data), ``--render`` of the saved run,
and the message of a machine without the data.

The script is not part of the package: it is imported by path. The peers (SKADA,
ADAPT) are made unimportable here, so ``--peers`` must name them and run the rest.
"""

import csv
import json
import os
import re
import sys
from pathlib import Path

import pytest
from _bench_cli import check_help, load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "kmm_amazon.py"
SHARED = Path(os.environ.get("TLEARN_SHARED_DATA", ROOT.parent / "shared" / "data"))


def test_help_shows_every_common_flag_and_every_default():
    blocks, checked = check_help("kmm_amazon")
    assert checked == 5  # --n-jobs, --backend, --blas-threads, --kmm-B, --check-B
    assert "default: all, 500 with --quick" in blocks["--rows"]
    assert "--B" not in blocks  # the old spelling is a hidden alias


def test_old_bound_flag_is_an_alias():
    bench = load_script("kmm_amazon")
    assert bench.parse_args(["--B", "7"]).kmm_B == 7.0
    assert bench.parse_args(["--kmm-B", "7"]).kmm_B == 7.0
    assert bench.parse_args([]).kmm_B == 1000.0
    args = bench.parse_args(["--quick"])
    assert args.tasks == list(bench.QUICK_TASKS) and args.rows == bench.QUICK_ROWS


def test_no_private_tlearn_import():
    text = SCRIPT.read_text()
    assert not re.findall(r"tlearn(?:\.\w+)*\._\w+", text)
    assert "from tlearn.metrics import median_heuristic_gamma" in text


def test_without_the_data_the_loader_says_what_to_get(tmp_path, monkeypatch):
    empty = tmp_path / "mirror"
    empty.mkdir()
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TLEARN_DATA_MIRROR", empty.as_uri())
    bench = load_script("kmm_amazon")
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--tasks", "B->D", "--no-progress", "--output", str(tmp_path / "run")])
    message = str(exit_info.value.code)
    assert message.startswith("error: Amazon reviews is not available: ")
    assert f"{tmp_path / 'home'}/amazon_review_400/books_400.mat" in message
    assert not (tmp_path / "run.json").exists()


def test_tiny_run_and_its_render(tmp_path, monkeypatch, capsys):
    """B->D on 150 rows per domain, with a binding check bound, --peers without the peers:
    the weights keep their constraints, and the printed text is render(saved JSON)."""
    if not (SHARED / "amazon_review_400").is_dir():
        pytest.skip(
            f"the Amazon-reviews files are not in {SHARED} (set TLEARN_SHARED_DATA to a copy "
            "laid out as <dir>/amazon_review_400/*.mat)"
        )
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TLEARN_DATA_MIRROR", SHARED.resolve().as_uri())
    for name in ("adapt", "adapt.instance_based", "skada"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    bench = load_script("kmm_amazon")
    stem = tmp_path / "run"
    argv = ["--tasks", "B->D", "--rows", "150", "--check-B", "2", "--peers", "--no-progress"]
    bench.main([*argv, "--output", str(stem)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "Not run: skada (ModuleNotFoundError: " in out
    assert "Not run: adapt (ModuleNotFoundError: " in out
    assert "Subsampled: 150 rows per domain" in out

    report = json.loads(stem.with_suffix(".json").read_text())
    printed, wrote = out.rsplit("\nWrote ", 1)
    assert wrote.startswith(f"{stem}.csv, {stem}.json")
    assert bench.render(report) == printed
    bench.main(["--render", str(stem.with_suffix(".json"))])
    assert capsys.readouterr().out == printed

    records = report["records"]
    assert [(r["B"], r["method"], r["library"]) for r in records] == [
        (1000.0, "source-only", "tlearn"),
        (1000.0, "KMM", "tlearn"),
        (2.0, "KMM", "tlearn"),
    ]
    assert all(r["error"] is None and 0 <= r["accuracy"] <= 100 for r in records)
    task = report["per_task"]["B->D"]
    assert task["n_s"] == task["n_t"] == 150
    assert task["eps"] == pytest.approx((150**0.5 - 1) / 150**0.5, rel=1e-15)
    for r in records[1:]:
        # 0 <= w <= B and the sum band; w = 1 is feasible, so the QP's MMD is at most its own
        assert r["max_violation"] <= 1e-9 and r["max_weight"] <= r["B"] + 1e-9
        assert 0 <= r["mmd2"] <= task["mmd2_unweighted"] * (1 + 1e-9)
    assert records[2]["max_weight"] == pytest.approx(2.0)  # the check bound binds
    assert "## Bound check: the KMMs again with B = 2" in printed
    with open(stem.with_suffix(".csv"), newline="") as fh:
        assert next(csv.reader(fh)) == bench.CSV_FIELDS
