"""``benchmarks/_speed.py``, what the three speed scripts share: the size-by-size grid and
its stop-after-a-cap rule, the workers' environment, the ``--sizes`` parser, and the
scripts' public imports.

The benchmark modules are not part of the package: they are imported by path.
"""

import argparse
import re
import sys

import pytest
from _bench_speed import BENCHMARKS, load

SCRIPTS = ("feature_speed.py", "kmm_scaling.py", "scaling.py")


class OutOfOrderRunner:
    """A stand-in for ``_grid.GridRunner``: runs the cells last first (as a pool may finish
    them) and returns the results in the order of the cells, as every backend does."""

    def __init__(self):
        self.calls = []

    def map(self, fn, cells, payloads, key, settings, desc=None):
        self.calls.append([(c["line"], c["n"]) for c in cells])
        results = {}
        for i in reversed(range(len(cells))):
            results[i] = fn(cells[i], payloads[key(cells[i])], settings)
        return [results[i] for i in range(len(cells))]


def fake_cell(cell, payload, settings):
    """A cell whose status is given by ``settings["status"]`` (default ok)."""
    status = settings["status"].get((cell["line"], cell["n"]), "ok")
    return {**cell, "status": status, "fit_seconds": 1.0}


def test_run_lines_stops_a_line_at_its_first_failure(capsys):
    speed = load("_speed.py")
    runner = OutOfOrderRunner()
    lines = [
        ({"line": "a"}, (10, 20, 30)),
        ({"line": "b"}, (10, 30)),
        ({"line": "c"}, (20, 30, 40)),
    ]
    settings = {"status": {("a", 20): "timeout", ("c", 20): "OOM"}}
    rows, wall = speed.run_lines(
        runner, fake_cell, lines, settings, lambda r: f"shown {r['line']} {r['n']}", "test"
    )
    # size by size, the failed lines left out of the larger sizes
    assert runner.calls == [[("a", 10), ("b", 10)], [("a", 20), ("c", 20)], [("b", 30)]]
    got = [(r["line"], r["n"], r["status"], r.get("skipped")) for r in rows]
    assert got == [
        ("a", 10, "ok", None),
        ("a", 20, "timeout", None),
        ("a", 30, "timeout", "timeout at 20"),
        ("b", 10, "ok", None),
        ("b", 30, "ok", None),
        ("c", 20, "OOM", None),
        ("c", 30, "OOM", "OOM at 20"),
        ("c", 40, "OOM", "OOM at 20"),
    ]
    assert "fit_seconds" not in rows[2]  # a skipped row was not run
    assert wall >= 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["shown a 10", "shown b 10", "shown a 20", "shown c 20", "shown b 30"]


def test_run_lines_gives_the_rows_of_one_line_after_the_other():
    """The old loop (one line after the other, stop at the first failure) and the
    size-by-size grid give the same rows whatever the failures."""
    speed = load("_speed.py")
    lines = [({"line": k}, (1, 2, 3, 4)) for k in "abcd"]
    fails = {("a", 1): "error", ("b", 3): "timeout", ("d", 4): "OOM"}
    rows, _ = speed.run_lines(
        OutOfOrderRunner(), fake_cell, lines, {"status": fails}, str, "t", "{status} at n={n:,}"
    )
    expected = []
    for fields, sizes in lines:
        failed = None
        for n in sizes:
            if failed:
                expected.append({**fields, "n": n, **failed})
            else:
                expected.append(fake_cell({**fields, "n": n}, None, {"status": fails}))
                if expected[-1]["status"] != "ok":
                    failed = {
                        "status": expected[-1]["status"],
                        "skipped": f"{expected[-1]['status']} at n={n:,}",
                    }
    assert rows == expected


def test_worker_env_pins_blas_and_keeps_the_parents_variables(monkeypatch):
    speed = load("_speed.py")
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    parent = speed.blas_inherited()
    assert parent == {"OPENBLAS_NUM_THREADS": "3", "OMP_NUM_THREADS": None, "MKL_NUM_THREADS": None}
    env = speed.worker_env(2, parent)
    assert [env[k] for k in names] == ["2", "2", "2"]
    assert "TF_CPP_MIN_LOG_LEVEL" in env  # ADAPT's TensorFlow kept quiet
    # a pool process with its own limits (as joblib's loky workers set them):
    # --blas-threads 0 gives the workers the parent's variables, not the pool's
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    env = speed.worker_env(0, parent)
    assert env["OPENBLAS_NUM_THREADS"] == "3"
    assert "OMP_NUM_THREADS" not in env and "MKL_NUM_THREADS" not in env


def test_size_list():
    speed = load("_speed.py")
    assert speed.size_list("2000,500,1000,500") == (500, 1000, 2000)
    for bad in ("", "1,x", "0,10", "-5"):
        with pytest.raises(argparse.ArgumentTypeError, match="got"):
            speed.size_list(bad)


@pytest.mark.parametrize("name", [*SCRIPTS, "_speed.py"])
def test_public_imports_only(name):
    """No ``tlearn.<x>._<private>`` import in the speed scripts (issue 18)."""
    text = (BENCHMARKS / name).read_text()
    assert not re.search(r"tlearn(\.\w+)*\._\w+", text), name
    assert "--no-peers" not in text


def test_without_matplotlib_one_line_and_no_png(tmp_path, monkeypatch, capsys):
    speed = load("_speed.py")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    report = {"rows": [{"n": 10, "status": "ok", "fit_seconds": 0.5, "other": 1}]}
    stem = tmp_path / "run"
    paths = speed.write_outputs(report, str(stem), ["n", "status", "fit_seconds"], None, "x.py")
    assert paths == [stem.with_suffix(".csv"), stem.with_suffix(".json")]
    lines = stem.with_suffix(".csv").read_text().splitlines()
    assert lines == ["n,status,fit_seconds", "10,ok,0.5"]
    assert not stem.with_suffix(".png").exists()
    assert capsys.readouterr().out == (
        "x.py: matplotlib is not installed, so no PNG was written "
        '(python -m pip install -e ".[benchmarks]").\n'
    )
