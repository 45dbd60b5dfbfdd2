"""``benchmarks/scaling.py`` on the shared runner: ``--help`` and a tiny real run.

The run (source-only at 60 rows per domain: one worker process plus the import-only
baseline) asks for the peers with them hidden, so it checks the "not run: <peer> (why)"
path whether or not SKADA and ADAPT are installed.
"""

from _bench_speed import check_help, load, tiny_run


def test_help_shows_every_flag_and_default():
    text = check_help("scaling.py")
    assert "--methods" in text and "--sizes" in text
    assert "1 is the measuring setting" in text


def test_tiny_run_writes_a_report_that_renders_its_output(tmp_path, capsys):
    report, stderr = tiny_run(
        tmp_path,
        capsys,
        "scaling.py",
        ["--methods", "source-only", "--sizes", "60", "--repeats", "1"],
    )
    [r] = report["rows"]
    assert (r["protocol"], r["method"], r["library"], r["n"], r["status"]) == (
        "unsupervised",
        "source-only",
        "tlearn",
        60,
        "ok",
    )
    assert 0 < r["fit_seconds"] < 60 and 0 <= r["accuracy"] <= 100
    assert report["settings"]["methods"] == ["unsupervised:source-only:tlearn"]
    assert "| unsupervised | source-only | tlearn |" in load("scaling.py").render(report)
