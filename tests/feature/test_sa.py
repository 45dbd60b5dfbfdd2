"""Subspace alignment against its closed form (Fernando et al., ICCV 2013)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.spatial.distance import cdist
from sklearn.decomposition import PCA

from tlearn import stack_domains
from tlearn.feature import SubspaceAlignment
from tlearn.feature._sa import pca_basis, stability_bound_dimension


def _domains(n_s=90, n_t=70, d=6, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d)) * np.linspace(3, 0.5, d)
    rotation = np.linalg.qr(rng.normal(size=(d, d)))[0]
    Xt = rng.normal(size=(n_t, d)) * np.linspace(3, 0.5, d) @ rotation + 2.0
    ys = (Xs[:, 0] > 0).astype(int)
    return Xs, ys, Xt


def test_pca_basis_is_exact_pca():
    Xs, _, _ = _domains()
    mean, basis, variances = pca_basis(Xs, 3)
    pca = PCA(3, svd_solver="full").fit(Xs)
    assert_allclose(mean, pca.mean_)
    assert_allclose(np.abs(basis.T @ pca.components_.T), np.eye(3), atol=1e-10)
    assert_allclose(variances[:3], pca.explained_variance_)


def test_alignment_and_maps_follow_the_paper():
    Xs, ys, Xt = _domains()
    model = SubspaceAlignment(n_components=3).fit(*stack_domains(Xs, ys, Xt))
    Ps, Pt = model.source_bases_[0], model.target_basis_
    assert_allclose(model.alignment_[0], Ps.T @ Pt)
    assert_allclose(Ps.T @ Ps, np.eye(3), atol=1e-12)
    source = model.transform(Xs, sample_domain=np.ones(len(Xs), dtype=int))
    assert_allclose(source, (Xs - Xs.mean(0)) @ Ps @ Ps.T @ Pt)
    assert_allclose(model.transform(Xt), (Xt - Xt.mean(0)) @ Pt)
    # M* minimises ||Ps M - Pt||_F: the residual is orthogonal to Ps
    residual = Ps @ model.alignment_[0] - Pt
    assert_allclose(Ps.T @ residual, 0, atol=1e-12)


def test_identical_domains_leave_distances_unchanged():
    Xs, ys, _ = _domains()
    d = Xs.shape[1]
    model = SubspaceAlignment(n_components=d).fit(*stack_domains(Xs, ys, Xs))
    assert_allclose(model.alignment_[0], np.eye(d), atol=1e-10)
    Zs = model.transform(Xs, sample_domain=np.ones(len(Xs), dtype=int))
    Zt = model.transform(Xs)
    assert_allclose(cdist(Zs, Zt), cdist(Xs, Xs), atol=1e-9)
    assert_allclose(cdist(Zs, Zs), cdist(Xs, Xs), atol=1e-9)


def test_training_rows_map_like_new_rows():
    Xs, ys, Xt = _domains()
    X, y, sd = stack_domains(Xs, ys, Xt)
    model = SubspaceAlignment(n_components=2)
    Z = model.fit_transform(X, y, sample_domain=sd)
    assert_allclose(Z, model.transform(X, sample_domain=sd))
    assert_allclose(Z[sd < 0], model.transform(Xt))


def test_stability_bound_by_hand():
    # gaps: source 4, 2, 1 ; target 3, 3, 0.5 -> smallest gaps 3, 2, 0.5
    variances = [np.array([10.0, 6, 4, 3]), np.array([9.0, 6, 3, 2.5])]
    n_min, B, delta = 100, 1.0, 0.1
    factor = (1 + np.sqrt(np.log(2 / delta) / 2)) * 16 * B / np.sqrt(n_min)
    thresholds = factor * np.arange(1, 4) ** 1.5
    for tolerance, expected in [
        (thresholds[0] / 3 * 1.01, 1),
        (thresholds[1] / 2 * 1.01, 2),
        (thresholds[2] / 0.5 * 1.01, 3),
        (1e-9, 1),
    ]:
        assert stability_bound_dimension(variances, n_min, B, delta, tolerance) == expected
        assert (
            stability_bound_dimension(variances, n_min, B, delta=delta, bound_tolerance=tolerance)
            == expected
        )


def test_bound_chooses_a_dimension_and_more_tolerance_allows_more():
    Xs, ys, Xt = _domains(d=8)
    X, y, sd = stack_domains(Xs, ys, Xt)
    dims = [
        SubspaceAlignment(n_components="bound", bound_tolerance=g)
        .fit(X, y, sample_domain=sd)
        .n_components_
        for g in (1e2, 1e3, 1e5, 1e7)
    ]
    assert dims == sorted(dims) and 1 <= dims[0] and dims[-1] <= 7


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"n_components": 0}, ValueError, "'n_components' must be an integer in the range"),
        ({"n_components": 2.5}, TypeError, "'n_components' must be"),
        ({"n_components": "all"}, ValueError, r"'n_components' must be .* a str among \{'bound'\}"),
        ({"n_components": 50}, ValueError, "'n_components' must be at most the rank"),
        ({"n_components": "bound", "delta": 2}, ValueError, r"'delta' .* range \(0, 1\); got 2"),
        ({"delta": 1}, ValueError, "'delta' must be"),
        ({"bound_tolerance": np.inf}, ValueError, "'bound_tolerance' must be"),
        ({"bound_tolerance": True}, TypeError, "'bound_tolerance' must be"),
        # the old name is checked as before the rename, and never lists "deprecated"
        ({"gamma": 0.0}, ValueError, r"'gamma' must be a real number in the range \(0, inf\); "),
        ({"gamma": "big"}, TypeError, r"'gamma' must be a real number in the range \(0, inf\); "),
    ],
)
def test_bad_parameters(params, error, match):
    Xs, ys, Xt = _domains()
    with pytest.raises(error, match="^SubspaceAlignment: the parameter " + match):
        SubspaceAlignment(**params).fit(*stack_domains(Xs, ys, Xt))


@pytest.mark.parametrize("n_samples", [40, 400])  # fewer and more rows than features
def test_pca_basis_matches_the_svd_of_the_centred_rows_on_both_routes(n_samples):
    rng = np.random.default_rng(1)
    d = 60
    X = rng.normal(size=(n_samples, d)) * np.linspace(5, 0.1, d) + 3.0
    mean, basis, variances = pca_basis(X, 10)
    _, s, Vt = np.linalg.svd(X - X.mean(0), full_matrices=False)
    assert variances.shape == (min(n_samples, d),)
    assert_allclose(variances, s**2 / (n_samples - 1), rtol=1e-9, atol=1e-9 * s[0] ** 2)
    assert_allclose(np.abs(basis.T @ Vt[:10].T), np.eye(10), atol=1e-8)
    assert_allclose(basis.T @ basis, np.eye(10), atol=1e-12)
    # the sign rule: each axis's largest-magnitude entry is positive
    assert np.all(basis[np.argmax(np.abs(basis), axis=0), np.arange(10)] > 0)
