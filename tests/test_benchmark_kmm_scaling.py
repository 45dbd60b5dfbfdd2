"""``benchmarks/kmm_scaling.py`` on the shared runner: ``--help``, a tiny real run, and the
KMM facts it states without importing tlearn's private modules.

The run (tlearn's default KMM at 60 rows per domain, with SKADA's and ADAPT's variants
asked for and the peers hidden) checks the "not run: <peer> (why)" path whether or not
they are installed.
"""

import numpy as np
from _bench_speed import check_help, load, tiny_run


def test_help_shows_every_flag_and_default():
    text = check_help("kmm_scaling.py")
    assert "--variants" in text and "--no-mmd" in text
    assert "1 is the measuring setting" in text


def test_tiny_run_writes_a_report_that_renders_its_output(tmp_path, capsys):
    variants = "tlearn:default,skada:frank-wolfe,adapt:one QP"
    report, stderr = tiny_run(
        tmp_path,
        capsys,
        "kmm_scaling.py",
        ["--variants", variants, "--sizes", "60", "--repeats", "1"],
    )
    [r] = report["rows"]  # the peers' variants are left out with their library
    assert (r["library"], r["variant"], r["n"], r["status"]) == ("tlearn", "default", 60, "ok")
    assert r["solver"] == "gpcg-dense" and r["n_landmarks"] is None
    assert r["max_violation"] == 0 and 0 < r["mmd2_ratio"] < 1  # KMM lowers the MMD
    assert r["eps"] == (np.sqrt(60) - 1) / np.sqrt(60)
    assert report["settings"]["variants"] == ["tlearn:default"]


def test_eps_and_landmarks_are_those_of_tlearns_kmm():
    """The script's eps formula is the one KMM uses (its fitted ``eps_``), and the dense
    limit and landmarks it plots are those KMM's docstring states for n_landmarks=None."""
    from tlearn.instance import KMM

    bench = load("kmm_scaling.py")
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(37, 2)), rng.normal(0.5, 1, size=(20, 2))])
    y = np.r_[rng.integers(0, 2, 37), -np.ones(20, dtype=int)]
    domain = np.r_[np.ones(37, dtype=int), -np.ones(20, dtype=int)]
    assert KMM(random_state=0).fit(X, y, sample_domain=domain).eps_ == bench.huang_eps(37)
    assert KMM().get_params()["n_landmarks"] is None
    doc = " ".join(KMM.__doc__.split())
    assert (
        f"``None``: the exact kernel matrix when there are at most "
        f"{bench.KMM_DENSE_MAX_SOURCE:,} source rows, else the Nystrom factor on "
        f"{bench.KMM_DEFAULT_LANDMARKS:,} landmarks"
    ) in doc
