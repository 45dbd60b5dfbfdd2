"""``benchmarks/when_to_transfer.py``: its flags, a tiny real run on the synthetic cases,
and ``--render`` of the saved run.

The script is not part of the package: it is imported by path.
"""

import json
import re

import numpy as np
import pytest
from _bench_cli import BENCHMARKS, check_help, load_script

SCRIPT = BENCHMARKS / "when_to_transfer.py"


def test_help_shows_every_common_flag_and_every_default():
    blocks, checked = check_help("when_to_transfer")
    assert checked == 4  # --n-jobs, --backend, --blas-threads, --datasets
    assert "(default: 0..9; 0,1 with --quick)" in blocks["--seeds"]


def test_no_private_tlearn_import():
    text = SCRIPT.read_text()
    assert not re.findall(r"tlearn(?:\.\w+)*\._\w+", text)
    assert "from tlearn.model_selection import" in text


def test_options_and_bad_flags():
    bench = load_script("when_to_transfer")
    args = bench.parse_args(["--quick"])
    assert args.tasks == {"office-caltech10": ["A->D", "W->C"], "amazon-review": ["B->D"]}
    assert args.seeds == [0, 1]
    args = bench.parse_args(["--datasets", "amazon-review", "--tasks", "B->D,K->E"])
    assert args.tasks == {"amazon-review": ["B->D", "K->E"]} and args.seeds == list(range(10))
    for bad in (["--datasets", "mnist"], ["--tasks", "X->Y"], ["--seeds", "a"]):
        with pytest.raises(SystemExit):
            bench.parse_args(bad)


def test_a_tiny_run_and_its_render(tmp_path, monkeypatch, capsys):
    bench = load_script("when_to_transfer")
    monkeypatch.setattr(bench, "SYNTHETIC_ROWS", 120)  # rows per domain: a quick run
    stem = tmp_path / "run"
    bench.main(["--datasets", "synthetic", "--seeds", "0", "--no-progress", "--output", str(stem)])
    printed = capsys.readouterr().out
    report = json.loads((tmp_path / "run.json").read_text())
    records = report["records"]
    assert [r["task"] for r in records] == ["hurts-0", "helps-0"]
    for r in records:
        names = [c["configuration"] for c in r["configurations"]]
        assert names[0] == "SourceOnly" and len(names) == 9
        true = [c["true_accuracy"] for c in r["configurations"]]
        assert r["source_only"] == true[0] and r["oracle"] == max(true)
        assert set(r["picks"]) == set(bench.SCORERS)
        for name, pick in r["picks"].items():  # a pick is the configuration of best estimate
            # a scorer that fails on a configuration records its error (a string) instead
            estimates = [c["estimates"][name] for c in r["configurations"]]
            estimates = [v if isinstance(v, float) else np.nan for v in estimates]
            assert pick["accuracy"] == true[int(np.nanargmax(estimates))]
        assert r["guard_pick"] in names
        assert r["guard_abstained"] == (r["guard_pick"] == "SourceOnly")
        assert 0 <= r["guard_accuracy"] <= 100
    assert "## Goals (issue 14)" in printed
    rendered = bench.render(report)
    assert bench.results_text(report) in printed and rendered.endswith(bench.results_text(report))
    assert (tmp_path / "run.csv").read_text().count("\n") == 1 + 2 * 9
