"""Transfer Component Analysis: the eigenproblem, its three paths, and the estimator.

Each numerical claim of ``tlearn/feature/_tca.py`` has a test that fails on the
wrong version: the generalized *symmetric* eigenproblem (a naive
``eigh(inv(B) @ A)`` is shown to fail the same check), dense == ARPACK,
linear d x d == dense n x n, linear TCA == PCA once the domain means agree,
Nystrom with every row a landmark == dense, and kernel parameters that reach
the kernel.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import linalg
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import polynomial_kernel, rbf_kernel

from tlearn.datasets import make_domain_shift
from tlearn.feature import TCA
from tlearn.feature._tca import (
    mmd_weights,
    nystrom_statistics,
    nystrom_whitening,
    select_landmarks,
    tca_arpack,
    tca_dense,
    tca_kernel,
    tca_matrices,
)


def _problem(n_s=70, n_t=50, d=4, seed=0):
    """Two shifted Gaussian domains: X, masked y, sample_domain, and new rows."""
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(loc=0.8, scale=1.3, size=(n_t, d))
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] + 0.3 * rng.normal(size=n_s) > 0).astype(int), -np.ones(n_t, int)]
    sd = np.r_[np.ones(n_s, int), -2 * np.ones(n_t, int)]
    return X, y, sd, rng.normal(loc=0.4, size=(15, d))


def _assert_equal_up_to_sign(A, B, rtol=1e-7):
    """Columns of A and B are equal up to one sign per column (relative to B's scale)."""
    assert A.shape == B.shape
    signs = np.sign(np.sum(A * B, axis=0))
    assert_allclose(A * signs, B, rtol=0, atol=rtol * np.abs(B).max())


def _eigen_residual(A, B, W, vals):
    """Relative residual of A W = B W diag(vals)."""
    return np.linalg.norm(A @ W - (B @ W) * vals) / np.linalg.norm(A @ W)


# --- the eigenproblem ------------------------------------------------------------------


def test_dense_solution_solves_the_generalized_symmetric_eigenproblem():
    X, _, sd, _ = _problem()
    source = sd >= 0
    K = rbf_kernel(X, gamma=0.3)
    mu, m = 0.5, 5
    A, B = tca_matrices(K, source, mu)
    # the two sides are what the paper says: K H K and K L K + mu I
    n = len(X)
    H = np.eye(n) - np.ones((n, n)) / n
    e = mmd_weights(source)
    # tr(K L) = e^T K e is the squared MMD between the domain means in feature space
    mmd2 = (
        K[source][:, source].mean()
        + K[~source][:, ~source].mean()
        - 2 * K[source][:, ~source].mean()
    )
    assert_allclose(e @ K @ e, mmd2)
    assert_allclose(A, K @ H @ K, atol=1e-10)
    assert_allclose(B, K @ np.outer(e, e) @ K + mu * np.eye(n), atol=1e-10)

    vals, W = tca_dense(K, source, m, mu)
    assert _eigen_residual(A, B, W, vals) < 1e-8
    assert_allclose(W.T @ B @ W, np.eye(m), atol=1e-8)
    all_vals = linalg.eigh(A, B, eigvals_only=True)
    assert_allclose(vals, all_vals[::-1][:m], rtol=1e-9)
    assert np.all(np.diff(vals) <= 0)

    # the test discriminates: eigh of the non-symmetric inv(B) @ A is wrong
    naive_vals, naive_V = np.linalg.eigh(np.linalg.inv(B) @ A)
    naive_W = naive_V[:, ::-1][:, :m]
    naive_W = naive_W / np.sqrt(np.einsum("ij,ik,kj->j", naive_W, B, naive_W))
    assert _eigen_residual(A, B, naive_W, naive_vals[::-1][:m]) > 1e-2


def test_dense_solution_maximises_the_trace_objective():
    X, _, sd, _ = _problem(seed=1)
    K = rbf_kernel(X, gamma=0.3)
    A, B = tca_matrices(K, sd >= 0, 1.0)
    m = 4
    vals, W = tca_dense(K, sd >= 0, m, 1.0)
    best = np.trace(W.T @ A @ W)
    assert best == pytest.approx(vals.sum(), rel=1e-10)
    rng = np.random.default_rng(0)
    for _ in range(10):
        G = rng.normal(size=(len(X), m))
        s, V = np.linalg.eigh(G.T @ B @ G)
        W_rand = G @ V / np.sqrt(s)  # B-orthonormal
        assert_allclose(W_rand.T @ B @ W_rand, np.eye(m), atol=1e-8)
        assert np.trace(W_rand.T @ A @ W_rand) < best
    # a feasible W made of other eigenvectors is worse too
    _, W_low = tca_dense(K, sd >= 0, m + 2, 1.0)
    assert np.trace(W_low[:, 2:].T @ A @ W_low[:, 2:]) < best


def test_estimator_embeds_with_the_dense_solution():
    X, y, sd, X_new = _problem()
    model = TCA(n_components=3, kernel="rbf", gamma=0.3, mu=0.5, eigen_solver="dense")
    Z = model.fit_transform(X, y, sample_domain=sd)
    K = rbf_kernel(X, gamma=0.3)
    vals, W = tca_dense(K, sd >= 0, 3, 0.5)
    assert model.solver_ == "dense" and model.n_components_ == 3
    assert_allclose(model.eigenvalues_, vals, rtol=1e-10)
    _assert_equal_up_to_sign(model.dual_coef_, W)
    _assert_equal_up_to_sign(Z, K @ W)
    _assert_equal_up_to_sign(model.transform(X_new), rbf_kernel(X_new, X, gamma=0.3) @ W)
    assert_array_equal(model.landmarks_, X)
    # sign convention: the largest-magnitude training embedding of each component is positive
    assert np.all(Z[np.argmax(np.abs(Z), axis=0), np.arange(3)] > 0)


def test_arpack_matches_dense():
    X, y, sd, X_new = _problem(n_s=180, n_t=140, seed=2)
    K = rbf_kernel(X, gamma=0.2)
    vals_d, W_d = tca_dense(K, sd >= 0, 6, 1.0)
    vals_a, W_a = tca_arpack(K, sd >= 0, 6, 1.0, random_state=0)
    assert_allclose(vals_a, vals_d, rtol=1e-9)
    _, B = tca_matrices(K, sd >= 0, 1.0)
    assert_allclose(W_a.T @ B @ W_a, np.eye(6), atol=1e-8)
    _assert_equal_up_to_sign(K @ W_a, K @ W_d)

    kw = dict(n_components=6, kernel="rbf", gamma=0.2)
    dense = TCA(eigen_solver="dense", **kw).fit(X, y, sample_domain=sd)
    arpack = TCA(eigen_solver="arpack", random_state=0, **kw).fit(X, y, sample_domain=sd)
    auto = TCA(random_state=0, **kw).fit(X, y, sample_domain=sd)
    assert (dense.solver_, arpack.solver_, auto.solver_) == ("dense", "arpack", "arpack")
    assert_allclose(arpack.eigenvalues_, dense.eigenvalues_, rtol=1e-9)
    # same sign convention, so equal without flipping
    assert_allclose(arpack.transform(X_new), dense.transform(X_new), atol=1e-7)
    # "auto" is dense for small n or many components
    assert TCA(n_components=40, kernel="rbf").fit(X, y, sample_domain=sd).solver_ == "dense"
    small = _problem()
    assert TCA(n_components=2, kernel="rbf").fit(*small[:2], sample_domain=small[2]).solver_ == (
        "dense"
    )


# --- the linear path ---------------------------------------------------------------------


def _linear(A, B):
    return A @ B.T


def test_linear_path_equals_the_dense_n_by_n_path():
    X, y, sd, X_new = _problem(d=5)
    linear = TCA(n_components=4, mu=0.7).fit(X, y, sample_domain=sd)
    dense = TCA(n_components=4, mu=0.7, kernel=_linear).fit(X, y, sample_domain=sd)
    assert (linear.solver_, dense.solver_) == ("linear", "dense")
    assert linear.components_.shape == (4, 5) and linear.landmarks_ is None
    assert_allclose(linear.eigenvalues_, dense.eigenvalues_, rtol=1e-9)
    _assert_equal_up_to_sign(linear.transform(X), dense.transform(X))
    _assert_equal_up_to_sign(linear.transform(X_new), dense.transform(X_new))
    # with n <= d the named linear kernel solves n x n and folds the map into components_
    rng = np.random.default_rng(1)
    X_wide, X_wide_new = rng.normal(size=(10, 14)), rng.normal(size=(3, 14))
    y_wide, sd_wide = np.r_[0, 1, 0, 1, 0, 1, -1, -1, -1, -1], np.r_[[1] * 6, [-2] * 4]
    wide = TCA(n_components=3).fit(X_wide, y_wide, sample_domain=sd_wide)
    ref = TCA(n_components=3, kernel=_linear).fit(X_wide, y_wide, sample_domain=sd_wide)
    assert wide.solver_ == "dense" and wide.components_.shape == (3, 14)
    assert_allclose(wide.transform(X_wide_new), ref.transform(X_wide_new), atol=1e-10)


def test_linear_path_with_rank_deficient_X():
    X, y, sd, X_new = _problem(d=4)
    X3 = np.hstack([X, X[:, :1] + X[:, 1:2]])  # rank 4 in 5 columns
    linear = TCA(n_components=4).fit(X3, y, sample_domain=sd)
    dense = TCA(n_components=4, kernel=_linear, eigen_solver="dense").fit(X3, y, sd)
    assert linear.solver_ == "linear"
    assert_allclose(linear.eigenvalues_, dense.eigenvalues_, rtol=1e-8)
    X3_new = np.hstack([X_new, X_new[:, :1] + X_new[:, 1:2]])
    _assert_equal_up_to_sign(linear.transform(X3_new), dense.transform(X3_new))
    with pytest.raises(ValueError, match="'n_components' must be at most the rank 4 of X"):
        TCA(n_components=5).fit(X3, y, sample_domain=sd)


def test_linear_tca_is_pca_when_the_domain_means_agree():
    X, y, sd, _ = _problem(n_s=90, n_t=60, d=6, seed=3)
    source = sd >= 0
    Xc = X.copy()
    Xc[source] -= Xc[source].mean(axis=0)
    Xc[~source] -= Xc[~source].mean(axis=0)
    mu, m = 2.0, 3
    model = TCA(n_components=m, mu=mu).fit(Xc, y, sample_domain=sd)
    Z = model.transform(Xc)
    pca = PCA(n_components=m).fit(Xc)
    assert np.max(linalg.subspace_angles(Z, pca.transform(Xc))) < 1e-8
    # K L K = 0, so lambda = (squared singular value)^2 / mu
    g = pca.singular_values_**2
    assert_allclose(model.eigenvalues_, g**2 / mu, rtol=1e-9)
    # without the centring the domains differ and TCA is not PCA: the check discriminates
    Z_raw = TCA(n_components=m, mu=mu).fit(X, y, sample_domain=sd).transform(X)
    assert np.max(linalg.subspace_angles(Z_raw, PCA(n_components=m).fit_transform(X))) > 0.1


# --- the Nystrom path --------------------------------------------------------------------


def test_nystrom_with_every_row_a_landmark_equals_dense():
    X, y, sd, X_new = _problem(n_s=60, n_t=45, d=3, seed=4)
    kw = dict(n_components=5, kernel="rbf", gamma=0.5, mu=0.8)
    dense = TCA(eigen_solver="dense", **kw).fit(X, y, sample_domain=sd)
    low = TCA(n_landmarks=len(X), random_state=0, **kw).fit(X, y, sample_domain=sd)
    assert low.solver_ == "nystrom"
    assert_array_equal(low.landmark_indices_, np.arange(len(X)))
    assert_allclose(low.eigenvalues_, dense.eigenvalues_, rtol=1e-7)
    _assert_equal_up_to_sign(low.transform(X), dense.transform(X), rtol=1e-6)
    _assert_equal_up_to_sign(low.transform(X_new), dense.transform(X_new), rtol=1e-6)
    # with fewer landmarks it is an approximation, no longer equal
    approx = TCA(n_landmarks=20, random_state=0, **kw).fit(X, y, sample_domain=sd)
    assert not np.allclose(approx.eigenvalues_, dense.eigenvalues_, rtol=1e-3)


def test_landmarks_are_stratified_and_seeded():
    source = np.r_[np.ones(90, bool), np.zeros(10, bool)]
    idx = select_landmarks(source, 20, random_state=0)
    assert len(np.unique(idx)) == 20 and np.all(np.diff(idx) > 0)
    assert (source[idx].sum(), (~source[idx]).sum()) == (18, 2)
    assert_array_equal(idx, select_landmarks(source, 20, random_state=0))
    assert not np.array_equal(idx, select_landmarks(source, 20, random_state=1))
    # at least one landmark per side, even when the proportion rounds to zero
    few = select_landmarks(np.r_[np.ones(199, bool), np.zeros(1, bool)], 5, random_state=0)
    assert few[-1] == 199
    assert_array_equal(select_landmarks(source, 100, random_state=0), np.arange(100))
    with pytest.raises(ValueError, match="n_landmarks"):
        select_landmarks(source, 101)


def test_nystrom_statistics_in_blocks_equal_the_full_feature_map():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(53, 3))
    source = np.arange(53) < 30
    landmarks = X[select_landmarks(source, 12, random_state=0)]

    def gram(A, B):
        return rbf_kernel(A, B, gamma=0.4)

    M = nystrom_whitening(gram(landmarks, landmarks))
    Phi = gram(X, landmarks) @ M
    e = mmd_weights(source)
    expected = (Phi.T @ Phi, Phi.sum(axis=0), Phi.T @ e)
    for block_rows in (None, 1, 7, 53):
        for got, want in zip(nystrom_statistics(X, landmarks, M, e, gram, block_rows), expected):
            assert_allclose(got, want, atol=1e-10)
    # Phi Phi^T is the Nystrom approximation C W^+ C^T
    C = gram(X, landmarks)
    assert_allclose(Phi @ Phi.T, C @ np.linalg.pinv(gram(landmarks, landmarks)) @ C.T, atol=1e-8)


def test_nystrom_caps_n_landmarks_and_checks_the_rank():
    X, y, sd, _ = _problem(n_s=20, n_t=10)
    with pytest.warns(UserWarning, match="every row is a landmark"):
        model = TCA(n_components=2, kernel="rbf", n_landmarks=50).fit(X, y, sample_domain=sd)
    assert len(model.landmark_indices_) == 30
    with pytest.raises(ValueError, match="rank .* of the Nystrom feature map on 4 landmarks"):
        TCA(n_components=5, kernel="rbf", n_landmarks=4).fit(X, y, sample_domain=sd)


# --- what TCA is for ---------------------------------------------------------------------


def _normalised_mmd(Z, sd):
    """Squared distance between the domain means of Z, over Z's total variance."""
    Z = Z / np.sqrt(Z.var(axis=0).sum())
    return np.sum((Z[sd >= 0].mean(axis=0) - Z[sd < 0].mean(axis=0)) ** 2)


def test_tca_lowers_the_mmd_between_the_domains():
    X, y, sd = make_domain_shift(
        "covariate", n_features=10, n_source=150, n_target=150, strength=3.0, random_state=0
    )
    rng = np.random.default_rng(0)
    m = 3
    linear = _normalised_mmd(TCA(n_components=m).fit(X, y, sd).transform(X), sd)
    random_linear = [_normalised_mmd(X @ rng.normal(size=(10, m)), sd) for _ in range(20)]
    assert linear < 1e-3 * min(random_linear)

    K = rbf_kernel(X, gamma=0.1)
    random_kernel = [_normalised_mmd(K @ rng.normal(size=(len(X), m)), sd) for _ in range(20)]
    by_mu = [
        _normalised_mmd(TCA(n_components=m, kernel="rbf", mu=mu).fit(X, y, sd).transform(X, sd), sd)
        for mu in (0.1, 1.0, 10.0)
    ]
    assert by_mu[0] < 1e-2 * min(random_kernel)
    # mu trades the MMD against the variance: the smaller mu, the closer the means
    assert by_mu[0] < by_mu[1] < by_mu[2]


def test_kernel_parameters_reach_the_kernel():
    X, y, sd, X_new = _problem(d=3)

    def embed(**kw):
        return TCA(n_components=3, eigen_solver="dense", **kw).fit(X, y, sd).transform(X_new)

    rbf = embed(kernel="rbf", gamma=0.5)
    assert not np.allclose(rbf, embed(kernel="rbf", gamma=2.0), atol=1e-3)
    assert_allclose(embed(kernel="rbf"), embed(kernel="rbf", gamma=1 / 3))
    # a callable receives kernel_params and equals the named kernel
    assert_allclose(embed(kernel=rbf_kernel, kernel_params={"gamma": 0.5}), rbf, atol=1e-10)
    poly = embed(kernel="poly", gamma=0.5, degree=2, coef0=0.5)
    assert_allclose(
        embed(kernel=polynomial_kernel, kernel_params=dict(gamma=0.5, degree=2, coef0=0.5)),
        poly,
        atol=1e-8,
    )
    assert not np.allclose(poly, embed(kernel="poly", gamma=0.5, degree=3, coef0=0.5))
    assert not np.allclose(poly, embed(kernel="poly", gamma=0.5, degree=2, coef0=2.0))
    assert np.all(np.isfinite(embed(kernel="laplacian", gamma=0.3)))
    # the Nystrom path uses them too
    low = TCA(n_components=3, kernel="rbf", gamma=0.5, n_landmarks=len(X)).fit(X, y, sd)
    assert low.gamma_ == 0.5
    _assert_equal_up_to_sign(low.transform(X_new), rbf, rtol=1e-6)
    assert_allclose(tca_kernel(X, X_new, "rbf", gamma=0.5), rbf_kernel(X, X_new, gamma=0.5))
    with pytest.raises(ValueError, match="callable kernel returned an array of shape"):
        TCA(kernel=lambda A, B: A @ B.T[:, :2]).fit(X, y, sd)


@pytest.mark.parametrize(
    "params",
    [
        dict(n_components=3),
        dict(n_components=3, kernel="rbf", eigen_solver="dense"),
        dict(n_components=3, kernel="rbf", n_landmarks=30, random_state=0),
    ],
    ids=["linear", "dense", "nystrom"],
)
def test_new_rows_embed_like_training_rows(params):
    X, y, sd, _ = _problem()
    model = TCA(**params)
    Z = model.fit_transform(X, y, sample_domain=sd)
    target = sd < 0
    assert_allclose(model.transform(X[target]), Z[target], atol=1e-12)
    assert_allclose(model.transform(X[target], sample_domain=sd[target]), Z[target], atol=1e-12)
    # every row is mapped the same way, whatever its domain
    assert_allclose(model.transform(X[~target]), Z[~target], atol=1e-12)
    # the estimator was fitted on the embedded labelled rows
    rows = y != -1
    expected = LogisticRegression().fit(Z[rows], y[rows])
    assert_allclose(model.estimator_.coef_, expected.coef_, rtol=1e-6)


def test_several_domains_are_pooled():
    X, y, sd, X_new = _problem()
    sd_many = sd.copy()
    sd_many[:30] = 0
    sd_many[-20:] = -3
    kw = dict(n_components=3, kernel="rbf", eigen_solver="dense")
    one = TCA(**kw).fit(X, y, sd).transform(X_new)
    assert_allclose(TCA(**kw).fit(X, y, sd_many).transform(X_new), one)


# --- the estimator ---------------------------------------------------------------------


def test_fit_predict_score_through_the_base():
    X, y_true, sd = make_domain_shift(
        "covariate", n_features=4, mask_target_labels=False, random_state=0
    )
    y = np.where(sd < 0, -1, y_true)
    target = sd < 0
    model = TCA(LogisticRegression(), n_components=2, kernel="rbf", random_state=0)
    score = model.fit(X, y, sample_domain=sd).score(X[target], y_true[target])
    assert 0.5 < score <= 1.0
    assert_array_equal(model.classes_, [0, 1])
    assert model.predict_proba(X[target]).shape == (target.sum(), 2)
    # the domains can be inferred from y == -1 too
    inferred = clone(model).fit(X, y)
    assert_allclose(inferred.transform(X), model.transform(X))


def test_needs_target_rows():
    X, y, sd, _ = _problem()
    with pytest.raises(ValueError, match="No target rows"):
        TCA(n_components=2).fit(X[sd >= 0], y[sd >= 0])


@pytest.mark.parametrize(
    "param, value, error",
    [
        ("n_components", 0, ValueError),
        ("n_components", 2.5, TypeError),
        ("mu", 0, ValueError),
        ("mu", -1.0, ValueError),
        ("mu", np.inf, ValueError),
        ("kernel", "sigmoid", ValueError),
        ("kernel", 3, TypeError),
        ("gamma", 0, ValueError),
        ("gamma", "scale", TypeError),
        ("degree", -1, ValueError),
        ("coef0", np.nan, ValueError),
        ("kernel_params", [1], TypeError),
        ("n_landmarks", 1, ValueError),
        ("n_landmarks", 10.0, TypeError),
        ("eigen_solver", "lobpcg", ValueError),
        ("tol", -1e-3, ValueError),
        ("max_iter", 0, ValueError),
    ],
)
def test_invalid_parameters_raise_an_error_naming_them(param, value, error):
    X, y, sd, _ = _problem()
    model = TCA(**{param: value})  # __init__ validates nothing
    assert model.get_params()[param] is value
    with pytest.raises(error, match=f"^TCA: the parameter '{param}' must be "):
        model.fit(X, y, sample_domain=sd)


def test_too_many_components_raise():
    X, y, sd, _ = _problem(n_s=12, n_t=8)
    one_format = "^TCA: the parameter 'n_components' must be "
    with pytest.raises(
        ValueError, match=one_format + r"at most the number of training rows \(20\); got 21\.$"
    ):
        TCA(n_components=21, kernel="rbf").fit(X, y, sample_domain=sd)
    with pytest.raises(
        ValueError, match=one_format + r"less than .* rows \(20\) with eigen_solver='arpack'"
    ):
        TCA(n_components=20, kernel="rbf", eigen_solver="arpack").fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match=one_format + "at most the rank 4 of X"):
        TCA(n_components=5).fit(X, y, sample_domain=sd)
    with pytest.raises(
        ValueError, match=r"^TCA: the parameter 'kernel_params' must be a dict without \['gamma'\]"
    ):
        TCA(kernel="rbf", kernel_params={"gamma": 1.0}).fit(X, y, sample_domain=sd)


def test_seeded_fits_are_reproducible():
    X, y, sd, X_new = _problem(n_s=200, n_t=150)
    for kw in (dict(eigen_solver="arpack"), dict(n_landmarks=40)):
        a = TCA(n_components=3, kernel="rbf", random_state=7, **kw).fit(X, y, sd)
        b = TCA(n_components=3, kernel="rbf", random_state=7, **kw).fit(X, y, sd)
        assert_array_equal(a.transform(X_new), b.transform(X_new))


def test_float32_input():
    X, y, sd, X_new = _problem()
    model = TCA(n_components=2, kernel="rbf").fit(X.astype(np.float32), y, sd)
    reference = TCA(n_components=2, kernel="rbf").fit(X, y, sd)
    assert_allclose(model.transform(X_new), reference.transform(X_new), rtol=1e-4, atol=1e-5)


def test_large_nystrom_fit_smoke():
    rng = np.random.default_rng(0)
    n, d = 20_000, 50
    X = np.vstack([rng.normal(size=(n, d)), rng.normal(loc=0.3, size=(n, d))])
    y = np.r_[(X[:n, 0] > 0).astype(int), -np.ones(n, int)]
    sd = np.r_[np.ones(n, int), -2 * np.ones(n, int)]
    model = TCA(n_components=10, kernel="rbf", n_landmarks=200, random_state=0)
    model.fit(X, y, sample_domain=sd)
    assert model.landmarks_.shape == (200, d) and model.dual_coef_.shape == (200, 10)
    assert model.transform(X[:5]).shape == (5, 10)
