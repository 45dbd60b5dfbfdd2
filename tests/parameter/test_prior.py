"""Priors: reading them, putting them on the target classes, and the simplex QP."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from scipy.special import expit, softmax

from tlearn.parameter._prior import (
    Prior,
    check_prior,
    check_source_weights,
    express_prior,
    simplex_qp,
)


def _reference_qp(G, c, rng):
    """Best of several SLSQP runs and of the vertices."""
    K = len(c)

    def q(a):
        return 0.5 * a @ G @ a - c @ a

    best = min(q(e) for e in np.eye(K))
    for _ in range(5):
        result = minimize(
            q,
            rng.dirichlet(np.ones(K)),
            jac=lambda a: G @ a - c,
            bounds=[(0, 1)] * K,
            constraints=[{"type": "eq", "fun": lambda a: a.sum() - 1}],
            method="SLSQP",
            options={"ftol": 1e-15, "maxiter": 500},
        )
        a = np.clip(result.x, 0, None)
        best = min(best, q(a / a.sum()))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_simplex_qp_reaches_the_minimum(seed):
    rng = np.random.default_rng(seed)
    K, p = int(rng.integers(2, 7)), int(rng.integers(1, 8))
    M = rng.normal(size=(K, p))
    if seed % 3 == 0:  # two identical sources: a singular G
        M[-1] = M[0]
    G = M @ M.T * 10 ** rng.uniform(-3, 3)
    c = rng.normal(size=K) * 10 ** rng.uniform(-2, 2)
    if seed % 7 == 0:  # no curvature at all: a linear programme, solved at a vertex
        G = np.zeros((K, K))
    a = simplex_qp(G, c)
    assert np.all(a >= 0) and a.sum() == pytest.approx(1.0, abs=1e-14)
    value = 0.5 * a @ G @ a - c @ a
    reference = _reference_qp(G, c, rng)
    assert value <= reference + 1e-10 * max(1.0, abs(reference))
    # KKT: the gradient is smallest, and equal, on the support
    g = G @ a - c
    support = a > 1e-12
    scale = max(1.0, np.abs(g).max())
    assert np.ptp(g[support]) <= 1e-8 * scale
    assert g.min() >= g[support].max() - 1e-8 * scale


def test_simplex_qp_projection_examples():
    # min ||a - v||^2 over the simplex is the Euclidean projection of v
    assert_allclose(simplex_qp(np.eye(3), [0.5, 0.2, -1.0]), [0.65, 0.35, 0.0])
    assert_allclose(simplex_qp(np.eye(2), [3.0, 0.0]), [1.0, 0.0])
    assert_allclose(simplex_qp(np.eye(1), [5.0]), [1.0])


def test_a_binary_prior_on_more_classes_keeps_its_probabilities():
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=(1, 3)), np.array([0.4])
    prior = Prior(w, b, np.array([2, 5]))
    W, c = express_prior(prior, np.array([2, 3, 5]))
    assert_allclose(W, [-w[0] / 2, np.zeros(3), w[0] / 2])
    assert_allclose(c, [-0.2, 0.0, 0.2])
    X = rng.normal(size=(10, 3))
    P = softmax(X @ W.T + c, axis=1)
    assert_allclose(P[:, 2] / (P[:, 0] + P[:, 2]), expit(X @ w[0] + b[0]))
    # and back on its own two classes it is the same binary model
    W2, c2 = express_prior(prior, np.array([2, 5]))
    assert_allclose(W2, w)
    assert_allclose(c2, b)


def test_a_multinomial_prior_is_placed_by_class_label():
    W = np.arange(6.0).reshape(3, 2)
    prior = Prior(W, np.array([1.0, 2.0, 3.0]), np.array(["c", "a", "b"]))
    W_u, b_u = express_prior(prior, np.array(["a", "b", "c", "d"]))
    assert_allclose(W_u, [W[1], W[2], W[0], [0, 0]])
    assert_allclose(b_u, [2.0, 3.0, 1.0, 0.0])


def test_a_two_row_prior_becomes_binary():
    W = np.array([[1.0, 0.0], [0.0, 2.0]])
    (prior,) = check_prior({"coef": W, "intercept": [0.5, 1.0], "classes": [0, 1]}, 2)
    coef, intercept = express_prior(prior, np.array([0, 1]))
    assert_allclose(coef, [[-1.0, 2.0]])
    assert_allclose(intercept, [0.5])


def test_check_prior_copies_and_reads_scalars():
    coef = np.ones(3)
    (prior,) = check_prior({"coef": coef, "classes": [0, 1]}, 3)
    assert prior.coef.shape == (1, 3) and prior.intercept.tolist() == [0.0]
    prior.coef[0, 0] = 5.0
    assert coef[0] == 1.0
    (reg_prior,) = check_prior({"coef": [1.0, 2.0], "intercept": 3.0}, 2, "regression")
    assert_array_equal(reg_prior.intercept, [3.0])


def test_source_weights_are_normalised():
    assert_allclose(check_source_weights(None, 4), [0.25] * 4)
    assert_allclose(check_source_weights([1, 3], 2), [0.25, 0.75])
    assert check_source_weights("learn", 3) == "learn"
    with pytest.raises(ValueError, match="not all zero"):
        check_source_weights([0, 0], 2)
    with pytest.raises(TypeError, match="'source_weights' must be an array-like of numbers"):
        check_source_weights(["a", "b"], 2)
