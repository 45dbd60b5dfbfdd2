"""Kernel Mean Matching: the QP, its two solvers, the Nystrom path, and the estimator.

Each numerical claim of ``tlearn/instance/_kmm.py`` has a test that fails on the
wrong version: exact bounds (a solver that ignores ``max_weight`` fails), the band,
agreement of the default solver with cvxpy, the KKT conditions (a solver that
stops early is shown to fail the same check), the density ratio under covariate
shift, Nystrom with every row a landmark == dense, kernel parameters that reach
the kernel, the median heuristic on a hand-checked example, and an estimator
fitted with the weights.
"""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics.pairwise import laplacian_kernel, polynomial_kernel, rbf_kernel
from sklearn.neighbors import KNeighborsClassifier

import tlearn.instance._kmm as kmm_module
from tlearn.instance import KMM
from tlearn.instance._kmm import (
    default_eps,
    kkt_residual,
    kmm_dense_terms,
    kmm_gpcg,
    kmm_nystrom_terms,
    kmm_objective,
    median_heuristic_gamma,
    project_box_band,
)


def _problem(seed, n_s=120, n_t=100, d=3, shift=0.7, scale=0.6):
    """Source N(0, I), target N(shift, scale^2 I): X, masked y, sample_domain."""
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(loc=shift, scale=scale, size=(n_t, d))
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] + 0.3 * rng.normal(size=n_s) > 0).astype(int), -np.ones(n_t, int)]
    sd = np.r_[np.ones(n_s, int), -2 * np.ones(n_t, int)]
    return X, y, sd


def _terms(X, sd, gamma):
    K, kappa = kmm_dense_terms(X[sd > 0], X[sd < 0], lambda a, b: rbf_kernel(a, b, gamma=gamma))
    return K, kappa


def _kkt_violation(w, K, kappa, B, lo, hi):
    """Largest violation of the QP's KKT conditions, relative to max |kappa|.

    Stationarity: g + t 1 = mu_low - mu_up with g = K w - kappa, mu >= 0 on the
    bounds that hold (mu_low at w_i = 0, mu_up at w_i = B) and t the multiplier
    of the band: t >= 0 only when sum(w) = hi, t <= 0 only when sum(w) = lo.
    So g_i + t = 0 where 0 < w_i < B, >= 0 at 0, <= 0 at B. Written
    independently of the library's own residual.
    """
    g = K @ w - kappa
    scale = np.abs(kappa).max()
    free = (w > 0) & (w < B)
    s = w.sum()
    at_lo, at_hi = np.isclose(s, lo, rtol=1e-10), np.isclose(s, hi, rtol=1e-10)
    t = 0.0
    if (at_lo or at_hi) and free.any():
        t = -np.median(g[free])
        t = min(t, 0.0) if at_lo and not at_hi else (max(t, 0.0) if at_hi and not at_lo else t)
    v = [np.abs(g[free] + t).max(initial=0)]
    v.append(np.maximum(-(g[w == 0] + t), 0).max(initial=0))
    v.append(np.maximum(g[w == B] + t, 0).max(initial=0))
    return max(v) / scale


# --- the feasible set and its projection ------------------------------------------------------


def _project_by_bisection(v, B, lo, hi):
    """Reference projection: bisection on the shift t to machine precision."""
    z = np.clip(v, 0, B)
    if lo <= z.sum() <= hi:
        return z
    target = hi if z.sum() > hi else lo
    a, b = v.min() - B - 1, v.max() + 1
    for _ in range(200):
        t = 0.5 * (a + b)
        a, b = (t, b) if np.clip(v - t, 0, B).sum() > target else (a, t)
    return np.clip(v - 0.5 * (a + b), 0, B)


def test_projection_is_exact_and_is_the_projection():
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 40))
        v = rng.normal(scale=3, size=n)
        B = float(rng.uniform(0.1, 3))
        lo = float(rng.uniform(0, n * B))
        hi = lo + float(rng.uniform(0, 2))
        b = project_box_band(v, B, lo, hi)
        assert b.min() >= 0 and b.max() <= B  # exactly
        assert lo - 1e-9 <= b.sum() <= hi + 1e-9
        assert_allclose(b, _project_by_bisection(v, B, lo, hi), atol=1e-9)
    # the projection of a feasible point is itself
    w = np.array([0.0, 0.5, 2.0, 1.5])
    assert_array_equal(project_box_band(w, 2.0, 3.0, 5.0), w)


def test_qp_terms_are_the_papers_in_blocks():
    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(size=(30, 2)), rng.normal(size=(45, 2))
    gram = lambda a, b: rbf_kernel(a, b, gamma=0.7)  # noqa: E731
    K, kappa = kmm_dense_terms(Xs, Xt, gram, block_rows=7)
    assert_allclose(K, rbf_kernel(Xs, gamma=0.7), rtol=1e-14)
    assert_allclose(kappa, 30 / 45 * rbf_kernel(Xs, Xt, gamma=0.7).sum(axis=1), rtol=1e-12)


def test_default_eps_is_the_papers():
    assert default_eps(100) == pytest.approx(0.9)
    assert default_eps(1) == 0.0


# --- the two solvers --------------------------------------------------------------------------

# (seed, B, eps, which constraints are active at the solution)
PROBLEMS = [
    (0, 1000.0, None, set()),
    (1, 4.0, None, {"box"}),
    (1, 1000.0, 0.005, {"band"}),
    (4, 2.0, 0.01, {"box", "band"}),
    (3, 3.0, 0.0, {"box", "band"}),  # eps = 0: the sum is n_s exactly
    (2, 1000.0, 0.001, {"band"}),  # the upper edge of the band
]


@pytest.mark.parametrize("seed, B, eps, active", PROBLEMS)
def test_solvers_respect_the_constraints_and_agree_on_the_objective(seed, B, eps, active):
    X, y, sd = _problem(seed)
    n_s = int((sd > 0).sum())
    fits = {
        s: KMM(max_weight=B, eps=eps, solver=s).fit(X, y, sample_domain=sd)
        for s in ("gpcg", "cvxpy")
    }
    for solver, model in fits.items():
        w = model.weights_
        assert model.solver_ == f"{solver}-dense"
        assert w.min() >= 0.0 and w.max() <= B  # exactly, no tolerance
        assert abs(w.sum() - n_s) <= n_s * model.eps_ + 1e-8
        if "band" in active:
            assert abs(w.sum() - n_s) == pytest.approx(n_s * model.eps_, abs=1e-6)
        else:
            assert abs(w.sum() - n_s) < n_s * model.eps_ - 1e-3
    w = fits["gpcg"].weights_
    assert ("box" in active) == bool(np.any(w == B))
    f_fast, f_cvx = fits["gpcg"].objective_, fits["cvxpy"].objective_
    assert f_fast == pytest.approx(f_cvx, rel=1e-6)
    # the objective is the one the docstring writes, at the weights returned
    K, kappa = _terms(X, sd, fits["gpcg"].gamma_)
    assert f_fast == pytest.approx(0.5 * w @ K @ w - kappa @ w, rel=1e-12)


def test_max_weight_binds_exactly_and_is_needed():
    # the target sits on a few of the source rows: the unconstrained weights are large
    rng = np.random.default_rng(0)
    Xs = np.linspace(-3, 3, 60)[:, None]
    Xt = rng.normal(2.5, 0.1, size=(50, 1))
    X, sd = np.vstack([Xs, Xt]), np.r_[np.ones(60, int), -2 * np.ones(50, int)]
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(50, int)]
    B = 5.0
    free = KMM(max_weight=1e6, gamma=2.0).fit(X, y, sample_domain=sd)
    assert free.weights_.max() > 3 * B  # what the bound has to stop
    bound = KMM(max_weight=B, gamma=2.0).fit(X, y, sample_domain=sd)
    w = bound.weights_
    assert w.max() == B and np.sum(w == B) >= 2  # active, exactly
    assert np.all(w <= B)
    assert bound.objective_ > free.objective_ + 1.0  # binding: the optimum got worse
    K, kappa = _terms(X, sd, 2.0)
    assert _kkt_violation(w, K, kappa, B, *_band(bound)) < 1e-5


def _band(model):
    n_s = model.weights_.size
    return n_s * (1 - model.eps_), n_s * (1 + model.eps_)


def test_kkt_conditions_hold_and_an_early_stop_fails_them():
    X, y, sd = _problem(1, n_s=150, n_t=120)
    B = 4.0
    model = KMM(max_weight=B, eps=0.01, gamma=0.3).fit(X, y, sample_domain=sd)
    K, kappa = _terms(X, sd, 0.3)
    lo, hi = _band(model)
    w = model.weights_
    assert np.any(w == B) and np.any(w == 0)
    assert _kkt_violation(w, K, kappa, B, lo, hi) < 1e-5
    assert model.kkt_residual_ <= model.tol * max(1.0, w.max())
    # the same check on a solver stopped early fails
    early = kmm_gpcg(kappa, B, lo, hi, K=K, max_iter=5)
    assert not early.converged
    assert _kkt_violation(early.weights, K, kappa, B, lo, hi) > 1e-3
    assert early.objective > model.objective_
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        KMM(max_weight=B, eps=0.01, gamma=0.3, max_iter=5).fit(X, y, sample_domain=sd)


def test_kkt_residual_is_zero_exactly_at_the_solution():
    # a 2-row QP solved by hand: K = I, kappa = (3, -1), B = 2, band [0, 10] -> b = (2, 0)
    K, kappa = np.eye(2), np.array([3.0, -1.0])
    assert kkt_residual(np.array([2.0, 0.0]), K @ [2.0, 0.0] - kappa, 1.0, 2.0, 0.0, 10.0) == 0
    assert kkt_residual(np.array([1.0, 0.0]), K @ [1.0, 0.0] - kappa, 1.0, 2.0, 0.0, 10.0) == 1
    solution = kmm_gpcg(kappa, 2.0, 0.0, 10.0, K=K)
    assert_array_equal(solution.weights, [2.0, 0.0])
    assert solution.objective == kmm_objective(solution.weights, kappa, K=K) == -4.0


def test_weights_follow_the_density_ratio_under_covariate_shift():
    # Huang et al.'s 1-D setting: source N(0, 1), target N(0.5, 0.5^2)
    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(0, 1, size=(400, 1)), rng.normal(0.5, 0.5, size=(400, 1))
    X, sd = np.vstack([Xs, Xt]), np.r_[np.ones(400, int), -2 * np.ones(400, int)]
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(400, int)]
    ratio = norm.pdf(Xs[:, 0], 0.5, 0.5) / norm.pdf(Xs[:, 0], 0, 1)
    for gamma in (None, 2.0):  # the median heuristic, and a narrower kernel
        w = KMM(gamma=gamma, random_state=0).fit(X, y, sample_domain=sd).weights_
        assert np.corrcoef(w, ratio)[0, 1] > 0.9
    # without the shift the weights are near 1
    Xt_same = rng.normal(0, 1, size=(400, 1))
    w_same = KMM().fit(np.vstack([Xs, Xt_same]), y, sample_domain=sd).weights_
    assert np.corrcoef(w, ratio)[0, 1] > np.corrcoef(w_same, ratio)[0, 1] + 0.5


# --- the Nystrom path -------------------------------------------------------------------------


def test_nystrom_with_every_row_a_landmark_equals_dense():
    X, y, sd = _problem(5, n_s=40, n_t=30, d=4)
    params = dict(max_weight=3.0, eps=0.1, gamma=0.2, tol=1e-10, random_state=0)
    dense = KMM(**params).fit(X, y, sample_domain=sd)
    nystrom = KMM(n_landmarks=70, **params).fit(X, y, sample_domain=sd)
    assert dense.solver_ == "gpcg-dense" and nystrom.solver_ == "gpcg-nystrom"
    assert_array_equal(nystrom.landmark_indices_, np.arange(70))
    assert np.any(dense.weights_ == 3.0)
    assert_allclose(nystrom.weights_, dense.weights_, atol=1e-6)
    assert nystrom.objective_ == pytest.approx(dense.objective_, rel=1e-9)
    # the factor and kappa are those of the exact kernel
    gram = lambda a, b: rbf_kernel(a, b, gamma=0.2)  # noqa: E731
    factor, kappa = kmm_nystrom_terms(X[sd > 0], X[sd < 0], X, gram)
    K, kappa_exact = kmm_dense_terms(X[sd > 0], X[sd < 0], gram)
    assert_allclose(factor @ factor.T, K, atol=1e-8)
    assert_allclose(kappa, kappa_exact, rtol=1e-8)


def test_few_landmarks_solve_one_problem_over_all_rows(monkeypatch):
    monkeypatch.setattr(kmm_module, "DENSE_MAX_SOURCE", 50)
    monkeypatch.setattr(kmm_module, "DEFAULT_LANDMARKS", 30)
    X, y, sd = _problem(6, n_s=200, n_t=150)
    model = KMM(max_weight=10.0, random_state=0).fit(X, y, sample_domain=sd)
    assert model.solver_ == "gpcg-nystrom" and model.n_landmarks_ == 30
    assert model.weights_.shape == (200,) and model.weights_.max() <= 10.0
    # the approximate solution is close in the exact objective
    K, kappa = _terms(X, sd, model.gamma_)
    dense = kmm_gpcg(kappa, 10.0, *_band(model), K=K)
    f_nys = kmm_objective(model.weights_, kappa, K=K)
    assert dense.objective < f_nys < dense.objective + 1e-2 * abs(dense.objective)
    # kappa is that of the Nystrom kernel: in the range of the factor, not the exact one
    gram = lambda a, b: rbf_kernel(a, b, gamma=model.gamma_)  # noqa: E731
    landmarks = X[model.landmark_indices_]
    factor, kappa_nys = kmm_nystrom_terms(X[sd > 0], X[sd < 0], landmarks, gram, block_rows=17)
    assert factor.shape == (200, 30)
    coef = np.linalg.lstsq(factor, kappa_nys, rcond=None)[0]
    assert_allclose(factor @ coef, kappa_nys, rtol=1e-8)
    assert model.objective_ == pytest.approx(
        kmm_objective(model.weights_, kappa_nys, factor=factor)
    )
    assert np.abs(kappa_nys - kappa).max() > 1e-3 * np.abs(kappa).max()
    with pytest.warns(UserWarning, match="every row is a landmark"):
        KMM(n_landmarks=500).fit(X, y, sample_domain=sd)


# --- kernel, gamma and the median heuristic ---------------------------------------------------


def test_median_heuristic_on_a_hand_checked_example():
    # pairwise squared distances of 0, 1, 3: 1, 9, 4 -> median 4
    assert median_heuristic_gamma(np.array([[0.0], [1.0], [3.0]])) == 0.25
    # L1 distances of (0, 0), (1, 2), (3, 0): 3, 3, 4 -> median 3
    X = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 0.0]])
    assert median_heuristic_gamma(X, metric="manhattan") == pytest.approx(1 / 3)
    # duplicates: 0, 0, 0, 2 -> 0 (x3), 4 (x3) -> median 2
    assert median_heuristic_gamma(np.array([[0.0], [0.0], [0.0], [2.0]])) == 0.5
    # more than half the pairs duplicates (0 x6, 4 x4): the median of the positive ones
    assert median_heuristic_gamma(np.array([[0.0], [0.0], [0.0], [0.0], [2.0]])) == 0.25
    # the estimator pools source and target rows: 0, 1 | 3, 4
    X, sd = np.array([[0.0], [1.0], [3.0], [4.0]]), np.array([1, 1, -2, -2])
    y = np.array([0, 1, -1, -1])
    assert KMM().fit(X, y, sample_domain=sd).gamma_ == pytest.approx(1 / 6.5)  # 1,1,4,9,9,16
    assert KMM(kernel="laplacian").fit(X, y, sample_domain=sd).gamma_ == pytest.approx(0.4)


def test_median_heuristic_subsample_is_seeded_and_leaves_the_global_rng(monkeypatch):
    monkeypatch.setattr(kmm_module, "MEDIAN_MAX_ROWS", 50)
    X, y, sd = _problem(7)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is untouched)
    gammas = [KMM(random_state=3).fit(X, y, sample_domain=sd).gamma_ for _ in range(2)]
    KMM(n_landmarks=20).fit(X, y, sample_domain=sd)  # random_state=None
    assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    assert gammas[0] == gammas[1]
    full = median_heuristic_gamma(X, max_rows=len(X))
    assert gammas[0] != full and gammas[0] == pytest.approx(full, rel=0.3)


@pytest.mark.parametrize(
    "params, gram",
    [
        (dict(gamma=0.3), lambda a, b: rbf_kernel(a, b, gamma=0.3)),
        (dict(gamma=3.0), lambda a, b: rbf_kernel(a, b, gamma=3.0)),
        (dict(kernel="laplacian", gamma=0.5), lambda a, b: laplacian_kernel(a, b, gamma=0.5)),
        (
            dict(kernel="poly", gamma=0.5, degree=2, coef0=2.0),
            lambda a, b: polynomial_kernel(a, b, degree=2, gamma=0.5, coef0=2.0),
        ),
        (
            dict(kernel="poly", degree=4, coef0=0.5),
            lambda a, b: polynomial_kernel(a, b, degree=4, gamma=1 / 3, coef0=0.5),
        ),
        (
            dict(
                kernel=lambda a, b, scale: rbf_kernel(a, b, gamma=scale),
                kernel_params={"scale": 2.0},
            ),
            lambda a, b: rbf_kernel(a, b, gamma=2.0),
        ),
    ],
)
def test_kernel_parameters_reach_the_kernel(params, gram):
    X, y, sd = _problem(8, n_s=60, n_t=50)
    model = KMM(max_weight=5.0, **params).fit(X, y, sample_domain=sd)
    K, kappa = kmm_dense_terms(X[sd > 0], X[sd < 0], gram)
    lo, hi = _band(model)
    expected = kmm_gpcg(kappa, 5.0, lo, hi, K=K)
    assert model.objective_ == pytest.approx(expected.objective, rel=1e-9)
    assert_allclose(model.weights_, expected.weights, atol=1e-6)


def test_kernel_width_changes_the_weights():
    X, y, sd = _problem(8, n_s=60, n_t=50)
    w = [KMM(gamma=g).fit(X, y, sample_domain=sd).weights_ for g in (0.3, 3.0)]
    assert np.abs(w[0] - w[1]).max() > 0.1


# --- the estimator ----------------------------------------------------------------------------


def test_estimator_is_fitted_with_the_weights():
    X, y, sd = _problem(9)
    model = KMM(LogisticRegression(C=0.5), max_weight=5.0).fit(X, y, sample_domain=sd)
    source = sd > 0
    by_hand = LogisticRegression(C=0.5).fit(X[source], y[source], sample_weight=model.weights_)
    assert_allclose(model.estimator_.coef_, by_hand.coef_, rtol=1e-10)
    assert_allclose(model.estimator_.intercept_, by_hand.intercept_, rtol=1e-10)
    # the weights matter: an unweighted fit differs
    plain = LogisticRegression(C=0.5).fit(X[source], y[source])
    assert np.abs(plain.coef_ - by_hand.coef_).max() > 1e-3
    # labelled target rows weigh 1 and do not enter the QP as source rows
    rng = np.random.default_rng(0)
    yr = X[:, 0] + rng.normal(size=len(X))
    labelled = KMM(Ridge(), max_weight=5.0).fit(X, yr, sample_domain=sd)
    assert labelled.weights_.shape == (source.sum(),)
    w = np.r_[labelled.weights_, np.ones((~source).sum())]
    assert_allclose(labelled.estimator_.coef_, Ridge().fit(X, yr, sample_weight=w).coef_)


def test_estimator_without_sample_weight_is_refused_before_any_work(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the kernel was computed")

    monkeypatch.setattr(kmm_module, "kmm_dense_terms", fail)
    X, y, sd = _problem(0)
    with pytest.raises(TypeError, match="sample_weight"):
        KMM(KNeighborsClassifier()).fit(X, y, sample_domain=sd)


def test_no_target_rows_is_an_error():
    X, y, sd = _problem(0)
    source = sd > 0
    with pytest.raises(ValueError, match="No target rows"):
        KMM().fit(X[source], y[source])


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(max_weight=0.0), "max_weight"),
        (dict(max_weight=np.inf), "max_weight"),
        (dict(eps=-0.1), "eps"),
        (dict(solver="newton"), "solver"),
        (dict(max_iter=0), "max_iter"),
        (dict(tol=-1.0), "tol"),
        (dict(n_landmarks=1), "n_landmarks"),
        (dict(kernel="sigmoid"), "kernel"),
        (dict(gamma=-1.0), "gamma"),
        (dict(kernel_params={"gamma": 1.0}), "kernel_params"),
        (dict(max_weight=0.5, eps=0.1), "eps"),  # infeasible: sum(b) >= 0.9 n_s > max_weight n_s
    ],
)
def test_invalid_parameters_are_named(params, name):
    X, y, sd = _problem(0, n_s=20, n_t=20)
    model = KMM(**params)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        model.fit(X, y, sample_domain=sd)
    assert model.get_params()[next(iter(params))] is params[next(iter(params))]


def test_import_does_not_import_cvxpy():
    code = (
        "import sys, tlearn, tlearn.instance\n"
        "from tlearn.instance import KMM\n"
        "assert 'cvxpy' not in sys.modules, 'cvxpy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
