"""Tests of ``tlearn.datasets.make_domain_shift``.

The expected quantities are recomputed here from the formulas documented in the
Notes of the docstring, not taken from the module's private helpers.
"""

import re

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.linear_model import LinearRegression, LogisticRegression

from tlearn.datasets import make_domain_shift

SHIFTS = ["covariate", "prior", "conditional", "subspace"]
TASKS = ["classification", "regression"]


# --------------------------------------------------------------------------
# The documented model, written out independently
# --------------------------------------------------------------------------


def class_means(n_classes, n_features):
    means = np.zeros((n_classes, n_features))
    k = np.arange(n_classes)
    if n_features == 1:
        means[:, 0] = 3.0 * (k - (n_classes - 1) / 2)
    else:
        r = 3.0 / (2 * np.sin(np.pi / n_classes))
        means[:, 0] = r * np.cos(2 * np.pi * k / n_classes)
        means[:, 1] = r * np.sin(2 * np.pi * k / n_classes)
    return means


def posterior(X, means, eps):
    logits = X @ means.T - 0.5 * (means**2).sum(axis=1)
    return (1 - eps) * softmax(logits, axis=1) + eps / means.shape[0]


def rotation(theta, n_features):
    R = np.eye(n_features)
    R[:2, :2] = [[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]]
    return R


def delta(n_features):
    return np.ones(n_features) / np.sqrt(n_features)


def f(X):
    u = X @ delta(X.shape[1])
    return u + np.sin(2 * u)


def reg_cov(n_features):
    return np.diag([1.0] + [0.25] * (n_features - 1))


def split(X, y, sample_domain):
    src, tgt = sample_domain == 1, sample_domain == -2
    return X[src], y[src], X[tgt], y[tgt]


def make(shift, task="classification", **kwargs):
    kwargs.setdefault("mask_target_labels", False)
    kwargs.setdefault("random_state", 0)
    return split(*make_domain_shift(shift, task=task, **kwargs))


def principal_angle(X):
    """Angle in [0, pi) of the leading eigenvector of cov(X) in the (x0, x1) plane."""
    _, vecs = np.linalg.eigh(np.cov(X, rowvar=False))
    v = vecs[:, -1]
    return np.arctan2(v[1], v[0]) % np.pi


def angle_gap(a, b):
    """Distance between two axis angles, modulo pi."""
    d = (a - b) % np.pi
    return min(d, np.pi - d)


# --------------------------------------------------------------------------
# Output format
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [True, False])
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("shift", SHIFTS)
def test_output_format(shift, task, mask):
    n_source, n_target, n_features, n_classes = 57, 31, 3, 4
    X, y, sd = make_domain_shift(
        shift,
        task=task,
        n_source=n_source,
        n_target=n_target,
        n_features=n_features,
        n_classes=n_classes,
        mask_target_labels=mask,
        random_state=1,
    )
    n = n_source + n_target
    assert X.shape == (n, n_features) and y.shape == (n,) and sd.shape == (n,)
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert np.isfinite(X).all()
    assert sd.dtype == np.int64
    np.testing.assert_array_equal(sd[:n_source], 1)
    np.testing.assert_array_equal(sd[n_source:], -2)
    y_src, y_tgt = y[:n_source], y[n_source:]
    if task == "classification":
        assert y.dtype == np.int64
        assert set(np.unique(y_src)) <= set(range(n_classes))
        assert len(np.unique(y_src)) >= 2
        if mask:
            np.testing.assert_array_equal(y_tgt, -1)
        else:
            assert set(np.unique(y_tgt)) <= set(range(n_classes))
    else:
        assert y.dtype == np.float64
        assert np.isfinite(y_src).all()
        if mask:
            assert np.isnan(y_tgt).all()
        else:
            assert np.isfinite(y_tgt).all()


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("shift", SHIFTS)
def test_masking_changes_only_target_labels(shift, task):
    kw = dict(task=task, n_source=40, n_target=30, random_state=3)
    X_m, y_m, sd_m = make_domain_shift(shift, mask_target_labels=True, **kw)
    X_u, y_u, sd_u = make_domain_shift(shift, mask_target_labels=False, **kw)
    np.testing.assert_array_equal(X_m, X_u)
    np.testing.assert_array_equal(sd_m, sd_u)
    np.testing.assert_array_equal(y_m[:40], y_u[:40])
    assert not np.array_equal(y_m[40:], y_u[40:])


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("shift", ["covariate", "prior", "conditional"])
def test_one_feature(shift, task):
    X, y, sd = make_domain_shift(shift, task=task, n_features=1, random_state=0)
    assert X.shape == (1000, 1)
    assert np.isfinite(X).all()


# --------------------------------------------------------------------------
# Randomness
# --------------------------------------------------------------------------


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("shift", SHIFTS)
def test_determinism_and_global_rng(shift, task):
    kw = dict(task=task, n_source=50, n_target=40, n_features=3, n_classes=3)
    state_before = np.random.get_state()  # noqa: NPY002 (the global state)
    first = make_domain_shift(shift, random_state=7, **kw)
    second = make_domain_shift(shift, random_state=7, **kw)
    from_instance = make_domain_shift(shift, random_state=np.random.RandomState(7), **kw)
    other = make_domain_shift(shift, random_state=8, **kw)
    state_after = np.random.get_state()  # noqa: NPY002

    for a, b, c in zip(first, second, from_instance):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[1][:50], other[1][:50])

    assert state_before[0] == state_after[0]
    np.testing.assert_array_equal(state_before[1], state_after[1])
    assert state_before[2:] == state_after[2:]


# --------------------------------------------------------------------------
# strength = 0: no shift
# --------------------------------------------------------------------------


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("shift", SHIFTS)
def test_zero_strength_gives_no_shift(shift, task):
    n = 6000
    Xs, ys, Xt, yt = make(
        shift,
        task,
        n_source=n,
        n_target=n,
        n_features=3,
        n_classes=3,
        strength=0.0,
        noise=0.1,
        random_state=11,
    )
    np.testing.assert_allclose(Xs.mean(0), Xt.mean(0), atol=0.18)
    np.testing.assert_allclose(np.cov(Xs.T), np.cov(Xt.T), atol=0.3)
    if task == "classification":
        means = class_means(3, 3)
        # Class-conditional means of the source model: (1 - eps) mu_k + eps * mean(mu).
        expected = 0.9 * means + 0.1 * means.mean(0)
        for k in range(3):
            assert abs(np.mean(ys == k) - np.mean(yt == k)) < 0.05
            np.testing.assert_allclose(Xs[ys == k].mean(0), expected[k], atol=0.15)
            np.testing.assert_allclose(Xt[yt == k].mean(0), expected[k], atol=0.15)
    else:
        assert abs(ys.mean() - yt.mean()) < 0.1
        assert abs(ys.std() - yt.std()) < 0.08
        # Same relation y = f(x) + noise in both domains.
        for X, y in ((Xs, ys), (Xt, yt)):
            resid = y - f(X)
            assert abs(resid.mean()) < 0.01
            assert abs(resid.std() - 0.1) < 0.01


# --------------------------------------------------------------------------
# Classification shifts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("strength", [0.5, 1.5])
def test_classification_covariate_moves_x_keeps_rule(strength):
    n = 10000
    Xs, ys, Xt, yt = make(
        "covariate", n_source=n, n_target=n, strength=strength, noise=0.0, random_state=2
    )
    np.testing.assert_allclose(Xt.mean(0) - Xs.mean(0), strength * delta(2), atol=0.15)
    np.testing.assert_allclose(np.cov(Xs.T), np.cov(Xt.T), atol=0.3)
    # With noise=0, K=2: p(y=1|x) = expit((mu_1 - mu_0) . x) = expit(-3 x_0), no intercept.
    for X, y in ((Xs, ys), (Xt, yt)):
        clf = LogisticRegression(C=1e4, max_iter=1000).fit(X, y)
        np.testing.assert_allclose(clf.coef_[0], [-3.0, 0.0], atol=0.45)
        assert abs(clf.intercept_[0]) < 0.3


def test_classification_covariate_posterior_is_calibrated():
    # Labels follow the documented p(y|x) (noise included) in both domains.
    n, eps = 10000, 0.2
    Xs, ys, Xt, yt = make(
        "covariate",
        n_source=n,
        n_target=n,
        n_classes=3,
        n_features=2,
        strength=2.0,
        noise=eps,
        random_state=5,
    )
    means = class_means(3, 2)
    for X, y in ((Xs, ys), (Xt, yt)):
        proba = posterior(X, means, eps)
        for k in range(3):
            for group in (proba[:, k] > 0.5, proba[:, k] <= 0.5):
                assert group.sum() > 500
                p = proba[group, k]
                # Given x, the count of label k is a sum of Bernoulli(p_i): 5 std.
                tol = 5 * np.sqrt(np.sum(p * (1 - p))) / group.sum()
                assert abs(np.mean(y[group] == k) - p.mean()) < tol
    # The target mass moved: its class proportions differ from the source ones.
    assert np.abs(np.bincount(yt, minlength=3) - np.bincount(ys, minlength=3)).max() / n > 0.05


@pytest.mark.parametrize("n_classes, strength", [(2, 0.5), (3, 1.0), (5, 2.0)])
def test_classification_prior_shift(n_classes, strength):
    n, eps = 10000, 0.1
    Xs, ys, Xt, yt = make(
        "prior",
        n_source=n,
        n_target=n,
        n_classes=n_classes,
        strength=strength,
        noise=eps,
        random_state=4,
    )
    expected = softmax(strength * np.linspace(-1, 1, n_classes))
    np.testing.assert_allclose(np.bincount(ys, minlength=n_classes) / n, 1 / n_classes, atol=0.03)
    np.testing.assert_allclose(np.bincount(yt, minlength=n_classes) / n, expected, atol=0.03)
    # p(x|y) is unchanged: class-conditional means agree with the documented mixture.
    means = class_means(n_classes, 2)
    cond_means = (1 - eps) * means + eps * means.mean(0)
    for k in range(n_classes):
        if np.sum(yt == k) > 1000:
            np.testing.assert_allclose(Xt[yt == k].mean(0), cond_means[k], atol=0.2)
        np.testing.assert_allclose(Xs[ys == k].mean(0), cond_means[k], atol=0.2)


@pytest.mark.parametrize("strength", [1.0, 3.0])
def test_classification_conditional_shift(strength):
    n, n_classes = 6000, 3
    Xs, ys, Xt, yt = make(
        "conditional",
        n_source=n,
        n_target=n,
        n_classes=n_classes,
        n_features=3,
        strength=strength,
        noise=0.0,
        random_state=6,
    )
    means = class_means(n_classes, 3)
    # p(y) is the same (uniform) in both domains.
    np.testing.assert_allclose(np.bincount(ys) / n, 1 / 3, atol=0.03)
    np.testing.assert_allclose(np.bincount(yt) / n, 1 / 3, atol=0.03)
    for k in range(n_classes):
        np.testing.assert_allclose(Xs[ys == k].mean(0), means[k], atol=0.12)
        moved = Xt[yt == k].mean(0) - means[k]
        assert abs(np.linalg.norm(moved) - strength) < 0.15
        # Within-class covariance is still the identity.
        np.testing.assert_allclose(np.cov(Xt[yt == k].T), np.eye(3), atol=0.15)


@pytest.mark.parametrize("strength", [0.5, 1.0, 2.0])
def test_classification_subspace_rotates_classes(strength):
    n, theta = 6000, strength * np.pi / 4
    Xs, ys, Xt, yt = make(
        "subspace",
        n_source=n,
        n_target=n,
        n_classes=3,
        n_features=3,
        strength=strength,
        noise=0.0,
        random_state=8,
    )
    means = class_means(3, 3)
    R = rotation(theta, 3)
    np.testing.assert_allclose(np.bincount(yt) / n, 1 / 3, atol=0.03)
    for k in range(3):
        np.testing.assert_allclose(Xs[ys == k].mean(0), means[k], atol=0.12)
        np.testing.assert_allclose(Xt[yt == k].mean(0), R @ means[k], atol=0.12)
    # Rotating the target back gives the source distribution.
    back = Xt @ R  # rows x -> R^T x
    for k in range(3):
        np.testing.assert_allclose(np.cov(back[yt == k].T), np.eye(3), atol=0.15)


def test_classification_subspace_rotates_covariance_axes():
    # With K=2 the class means lie on the x0 axis: the source covariance is
    # diag(1 + 1.5**2, 1); the target one has the same eigenvalues, axis rotated.
    n, strength = 10000, 1.0
    theta = strength * np.pi / 4
    Xs, ys, Xt, yt = make(
        "subspace", n_source=n, n_target=n, strength=strength, noise=0.0, random_state=9
    )
    eig_s = np.linalg.eigvalsh(np.cov(Xs.T))
    eig_t = np.linalg.eigvalsh(np.cov(Xt.T))
    np.testing.assert_allclose(eig_s, [1.0, 3.25], rtol=0.1)
    np.testing.assert_allclose(eig_t, eig_s, rtol=0.1)
    assert angle_gap(principal_angle(Xs), 0.0) < 0.05
    assert angle_gap(principal_angle(Xt), theta) < 0.05
    np.testing.assert_array_equal(np.unique(yt), [0, 1])


# --------------------------------------------------------------------------
# Regression shifts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("strength", [0.5, 2.0])
def test_regression_covariate_moves_x_keeps_f(strength):
    n, noise = 10000, 0.1
    Xs, ys, Xt, yt = make(
        "covariate",
        "regression",
        n_source=n,
        n_target=n,
        n_features=3,
        strength=strength,
        noise=noise,
        random_state=12,
    )
    np.testing.assert_allclose(Xs.mean(0), 0.0, atol=0.05)
    np.testing.assert_allclose(Xt.mean(0), strength * delta(3), atol=0.05)
    np.testing.assert_allclose(np.cov(Xt.T), reg_cov(3), atol=0.07)
    for X, y in ((Xs, ys), (Xt, yt)):
        resid = y - f(X)
        assert abs(resid.mean()) < 0.01
        assert abs(resid.std() - noise) < 0.01


@pytest.mark.parametrize("strength", [0.5, 1.5])
def test_regression_prior_shift(strength):
    n, noise = 10000, 0.5
    Xs, ys, Xt, yt = make(
        "prior",
        "regression",
        n_source=n,
        n_target=n,
        n_features=2,
        strength=strength,
        noise=noise,
        random_state=13,
    )
    assert Xt.shape == (n, 2)
    # Source: the untilted model.
    np.testing.assert_allclose(Xs.mean(0), 0.0, atol=0.05)
    assert abs((ys - f(Xs)).std() - noise) < 0.02
    # Target: p_T(y) = 2 expit(s y) p_S(y); compare the target CDF with the
    # source CDF reweighted by w(y) = 2 expit(s y).
    w = 2 * expit(strength * ys)
    assert abs(w.mean() - 1.0) < 0.05
    grid = np.quantile(ys, np.linspace(0.05, 0.95, 19))
    cdf_t = (yt[:, None] <= grid).mean(0)
    cdf_w = ((ys[:, None] <= grid) * w[:, None]).sum(0) / w.sum()
    cdf_s = (ys[:, None] <= grid).mean(0)
    assert np.abs(cdf_t - cdf_w).max() < 0.04
    assert np.abs(cdf_t - cdf_s).max() > 0.08
    assert abs(yt.mean() - np.average(ys, weights=w)) < 0.08
    # p(x|y) is unchanged, i.e. p_T(x, y) = w(y) p_S(x, y): in each bin of y, the
    # target mean of x equals the source one reweighted by w(y) (the weights
    # correct for the different spread of y inside the bin).
    edges = np.quantile(np.concatenate([ys, yt]), [0.1, 0.3, 0.5, 0.7, 0.9])
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_s, in_t = (ys > lo) & (ys <= hi), (yt > lo) & (yt <= hi)
        assert in_s.sum() > 300 and in_t.sum() > 300
        expected = np.average(Xs[in_s], axis=0, weights=w[in_s])
        np.testing.assert_allclose(Xt[in_t].mean(0), expected, atol=0.12)
    # Over all y, the target inputs moved (towards larger f(x)).
    assert (Xt.mean(0) - Xs.mean(0)).sum() > 0.1
    # The tilt is on y itself, not on f(x): the target noise y - f(x) is biased
    # upwards, by the amount the reweighted source predicts.
    resid_s, resid_t = ys - f(Xs), yt - f(Xt)
    assert abs(resid_t.mean() - np.average(resid_s, weights=w)) < 0.04
    assert resid_t.mean() > 0.02


@pytest.mark.parametrize("strength", [0.5, 2.0])
def test_regression_conditional_shift(strength):
    n, noise = 10000, 0.1
    Xs, ys, Xt, yt = make(
        "conditional",
        "regression",
        n_source=n,
        n_target=n,
        n_features=3,
        strength=strength,
        noise=noise,
        random_state=14,
    )
    # p(x) is the same.
    np.testing.assert_allclose(Xs.mean(0), Xt.mean(0), atol=0.05)
    np.testing.assert_allclose(np.cov(Xs.T), reg_cov(3), atol=0.07)
    np.testing.assert_allclose(np.cov(Xt.T), reg_cov(3), atol=0.07)
    # Source follows f; target follows f(x) + s v.x with |v| = 1.
    assert abs((ys - f(Xs)).std() - noise) < 0.01
    resid = yt - f(Xt)
    lin = LinearRegression().fit(Xt, resid)
    assert abs(np.linalg.norm(lin.coef_) - strength) < 0.03
    assert abs(lin.intercept_) < 0.02
    assert abs((resid - lin.predict(Xt)).std() - noise) < 0.01
    # The least-squares fits of y on x differ by s v.
    coef_s = LinearRegression().fit(Xs, ys).coef_
    coef_t = LinearRegression().fit(Xt, yt).coef_
    assert abs(np.linalg.norm(coef_t - coef_s) - strength) < 0.15


@pytest.mark.parametrize("strength", [0.5, 1.0, 2.0])
def test_regression_subspace_rotation(strength):
    n, noise = 10000, 0.1
    theta = strength * np.pi / 4
    Xs, ys, Xt, yt = make(
        "subspace",
        "regression",
        n_source=n,
        n_target=n,
        n_features=3,
        strength=strength,
        noise=noise,
        random_state=15,
    )
    R = rotation(theta, 3)
    np.testing.assert_allclose(np.cov(Xs.T), reg_cov(3), atol=0.07)
    np.testing.assert_allclose(np.cov(Xt.T), R @ reg_cov(3) @ R.T, atol=0.07)
    np.testing.assert_allclose(
        np.linalg.eigvalsh(np.cov(Xt.T)), np.linalg.eigvalsh(np.cov(Xs.T)), atol=0.07
    )
    assert angle_gap(principal_angle(Xs), 0.0) < 0.05
    assert angle_gap(principal_angle(Xt), theta) < 0.05
    # The relation holds in the source coordinates: y = f(R^T x) + noise.
    assert abs((yt - f(Xt @ R)).std() - noise) < 0.01
    assert (yt - f(Xt)).std() > 3 * noise


# --------------------------------------------------------------------------
# Invalid parameters
# --------------------------------------------------------------------------


_ONE_FORMAT = "make_domain_shift: the parameter '{}' must be "


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            dict(shift="label"),
            ValueError,
            r"'shift' must be a str among \{'covariate'.*'subspace'\}",
        ),
        (dict(shift=None), TypeError, r"'shift'"),
        (dict(task="clustering"), ValueError, r"'task' must be a str among .*classification.*regr"),
        (dict(n_source=0), ValueError, r"'n_source' must be an integer in the range \[1, inf\)"),
        (dict(n_source=-3), ValueError, r"'n_source'.*; got -3\.$"),
        (dict(n_source=10.0), TypeError, r"'n_source'.*; got 10\.0\.$"),
        (dict(n_source=True), TypeError, r"'n_source'.*; got True\.$"),
        (dict(n_source=np.True_), TypeError, r"'n_source'"),
        (dict(n_target=0), ValueError, r"'n_target' must be an integer in the range \[1, inf\)"),
        (dict(n_features=0), ValueError, r"'n_features' must be an integer in the range \[1, inf"),
        (
            dict(shift="subspace", n_features=1),
            ValueError,
            r"'n_features' must be an integer in the range \[2, inf\) for shift='subspace'",
        ),
        (dict(n_classes=1), ValueError, r"'n_classes' must be an integer in the range \[2, inf"),
        (dict(n_classes=2.5), TypeError, r"'n_classes'"),
        (
            dict(strength=-0.5),
            ValueError,
            r"'strength' must be a real number in the range \[0, inf",
        ),
        (dict(strength=np.nan), ValueError, r"'strength'"),
        (dict(strength=np.inf), ValueError, r"'strength'"),
        (dict(strength="big"), TypeError, r"'strength'"),
        (dict(noise=-0.1), ValueError, r"'noise' must be a real number in the range \[0, inf\)"),
        (dict(noise=1.5), ValueError, r"'noise' must be a real number in the range \[0, 1\]"),
        (dict(noise=np.nan), ValueError, r"'noise'"),
        (dict(task="regression", noise=-1.0), ValueError, r"'noise' must be a real number in"),
        (dict(task="regression", noise=np.inf), ValueError, r"'noise'"),
        (dict(mask_target_labels="yes"), TypeError, r"'mask_target_labels' must be a bool"),
        (dict(random_state=-1), ValueError, r"'random_state' must be an integer in the range"),
        (dict(random_state="seed"), TypeError, r"'random_state'"),
    ],
)
def test_invalid_parameters(kwargs, error, match):
    kwargs = dict(kwargs)
    shift = kwargs.pop("shift", "covariate")
    name = re.search(r"'(\w+)'", match).group(1)
    with pytest.raises(error, match=match) as info:
        make_domain_shift(shift, **{"random_state": 0, **kwargs})
    assert str(info.value).startswith(_ONE_FORMAT.format(name)), str(info.value)


def test_numpy_numbers_are_numbers():
    X, y, sd = make_domain_shift(
        n_source=np.int64(20), n_target=np.int32(10), strength=np.float32(0.5), random_state=0
    )
    assert X.shape == (30, 2) and (sd == 1).sum() == 20
    _, _, _ = make_domain_shift(mask_target_labels=np.True_, noise=np.float64(0.2), random_state=0)


def test_regression_noise_above_one_is_allowed():
    _, y, sd = make_domain_shift(
        task="regression", noise=2.0, mask_target_labels=False, random_state=0
    )
    assert np.isfinite(y).all()
