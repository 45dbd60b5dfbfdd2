"""``benchmarks/feature_speed.py`` on the shared runner: ``--help`` and a tiny real run.

The run (SA at 60 rows per domain: one worker process plus the import-only baseline)
asks for the peers with them hidden, so it checks the "not run: <peer> (why)" path
whether or not SKADA and ADAPT are installed.
"""

from _bench_speed import check_help, tiny_run


def test_help_shows_every_flag_and_default():
    text = check_help("feature_speed.py")
    assert "--lowrank-sizes" in text and "--landmarks" in text
    assert "1 is the measuring setting" in text  # --n-jobs says what its timings are


def test_tiny_run_writes_a_report_that_renders_its_output(tmp_path, capsys):
    report, stderr = tiny_run(
        tmp_path, capsys, "feature_speed.py", ["--methods", "SA", "--sizes", "60"]
    )
    [r] = report["rows"]
    assert (r["method"], r["library"], r["n"], r["status"]) == ("SA", "tlearn", 60, "ok")
    assert 0 < r["fit_seconds"] < 60 and 0 <= r["accuracy"] <= 100
    assert r["peak_mb"] == r["vmhwm_kb"] / 1024 - report["import_baseline_mb"]["tlearn"]
    assert report["settings"]["blas_threads"] == 1 and report["run"]["backend"] == "sequential"
    assert "  SA                tlearn  n=60 " in stderr  # the progress line of the cell
