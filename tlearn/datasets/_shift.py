"""Seeded synthetic data with a chosen kind and amount of domain shift."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit, softmax
from sklearn.utils import check_random_state

from .._domains import SOURCE_ID as _SOURCE_ID
from .._domains import TARGET_ID as _TARGET_ID
from .._params import Interval, Options, check_params, param_error

__all__ = ["make_domain_shift"]

_SHIFTS = ("covariate", "prior", "conditional", "subspace")
_TASKS = ("classification", "regression")

#: What each argument of :func:`make_domain_shift` may be (:mod:`tlearn._params`).
_PARAMETER_CONSTRAINTS = {
    "shift": [Options(_SHIFTS)],
    "task": [Options(_TASKS)],
    "n_source": [Interval(Integral, 1, None, closed="left")],
    "n_target": [Interval(Integral, 1, None, closed="left")],
    "n_features": [Interval(Integral, 1, None, closed="left")],
    "n_classes": [Interval(Integral, 2, None, closed="left")],
    "strength": [Interval(Real, 0, None, closed="left")],
    "noise": [Interval(Real, 0, None, closed="left")],
    "mask_target_labels": ["boolean"],
    "random_state": ["random_state"],
}


# Classification: distance between the means of two neighbouring classes
# (the within-class covariance is the identity).
_CLASS_SPACING = 3.0
# Regression: standard deviation of the first input feature and of the others.
_REG_STD_FIRST = 1.0
_REG_STD_OTHER = 0.5
# Subspace shift: rotation angle (radians) per unit of ``strength``.
_ANGLE_PER_STRENGTH = np.pi / 4


def make_domain_shift(
    shift="covariate",
    *,
    task="classification",
    n_source=500,
    n_target=500,
    n_features=2,
    n_classes=2,
    strength=1.0,
    noise=0.1,
    mask_target_labels=True,
    random_state=None,
):
    r"""Generate a source and a target domain differing by a chosen kind of shift.

    The two domains are stacked in the tlearn convention: the ``n_source``
    source rows (domain id ``1``) come first, then the ``n_target`` target rows
    (domain id ``-2``). Every random draw comes from the generator built by
    :func:`sklearn.utils.check_random_state` from ``random_state``, so a fixed
    seed gives identical arrays. The exact distributions are given in the
    Notes.

    Parameters
    ----------
    shift : {"covariate", "prior", "conditional", "subspace"}, default="covariate"
        Kind of shift between source and target:

        - ``"covariate"``: :math:`p(x)` changes, :math:`p(y \mid x)` is the same;
        - ``"prior"``: :math:`p(y)` changes, :math:`p(x \mid y)` is the same;
        - ``"conditional"``: the relation between :math:`x` and :math:`y`
          changes (:math:`p(x \mid y)` for classification,
          :math:`p(y \mid x)` for regression) while the other marginal
          (:math:`p(y)`, resp. :math:`p(x)`) is the same;
        - ``"subspace"``: the target inputs are the source inputs rotated in
          the plane of the first two features, labels unchanged.
    task : {"classification", "regression"}, default="classification"
        Kind of label: integer classes or a real value.
    n_source : int, default=500
        Number of source rows (positive).
    n_target : int, default=500
        Number of target rows (positive).
    n_features : int, default=2
        Number of features (at least 1, at least 2 for ``shift="subspace"``).
    n_classes : int, default=2
        Number of classes (at least 2). Only used when
        ``task="classification"``, but validated in every case.
    strength : float, default=1.0
        Non-negative amount of shift. ``0`` gives no shift at all: source and
        target are drawn from the same distribution. See the Notes for what
        it scales in each case.
    noise : float, default=0.1
        Non-negative noise level. For classification it is the label-noise
        rate :math:`\varepsilon \in [0, 1]`; for regression it is the standard
        deviation :math:`\sigma` of the additive Gaussian noise on ``y``.
    mask_target_labels : bool, default=True
        If True, the target labels are hidden: ``-1`` for classification,
        ``NaN`` for regression. If False, they hold the true target labels
        (e.g. to evaluate an adapted model). The random draws are the same
        either way.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of all the random draws. ``None`` uses numpy's
        global ``RandomState`` singleton, as scikit-learn does; pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_source + n_target, n_features)
        Features, float64, C-contiguous; source rows first.
    y : ndarray of shape (n_source + n_target,)
        Labels. Classification: int64 classes ``0 .. n_classes - 1`` (``-1``
        for masked target rows). Regression: float64 (``NaN`` for masked
        target rows).
    sample_domain : ndarray of shape (n_source + n_target,)
        int64 domain ids: ``1`` for the source rows, ``-2`` for the target rows.

    Raises
    ------
    TypeError
        If an argument is of a type it cannot have (a bool or a string for a
        number, say).
    ValueError
        If an argument has an invalid value. Both say, in tlearn's one format
        (:mod:`tlearn._params`), ``make_domain_shift: the parameter 'noise'
        must be ...; got ...``.

    See Also
    --------
    sklearn.datasets.make_classification : Single-domain classification data.

    Notes
    -----
    Notation: :math:`d` = ``n_features``, :math:`K` = ``n_classes``,
    :math:`s` = ``strength``, :math:`\varepsilon` or :math:`\sigma` =
    ``noise``, :math:`e_j` the :math:`j`-th canonical basis vector,
    :math:`\mathbf{1}_d` the vector of ones, :math:`\delta =
    \mathbf{1}_d / \sqrt{d}` (unit vector) and :math:`R_\theta` the rotation
    by angle :math:`\theta` in the plane of the first two features
    (:math:`x_0' = x_0 \cos\theta - x_1 \sin\theta`,
    :math:`x_1' = x_0 \sin\theta + x_1 \cos\theta`, other features unchanged).
    All rows are drawn independently.

    **Classification.** Class means :math:`\mu_k` do not depend on the seed:
    for :math:`d \ge 2` they lie on a circle in the plane of the first two
    features, :math:`\mu_k = r (\cos(2\pi k/K)\, e_0 + \sin(2\pi k/K)\, e_1)`
    with :math:`r = 3 / (2 \sin(\pi/K))`; for :math:`d = 1`,
    :math:`\mu_k = 3 (k - (K-1)/2)`. Neighbouring means are thus 3 apart and
    the within-class covariance is :math:`I_d`. Label noise makes the
    class-conditional a mixture: a row of class :math:`y` is drawn from
    the Gaussian of its own class with probability :math:`1 - \varepsilon`,
    otherwise from the Gaussian of a class drawn uniformly at random (possibly
    :math:`y` again):

    .. math::

        p(x \mid y = k) = (1 - \varepsilon)\, \mathcal{N}(x; m_k, I_d)
        + \frac{\varepsilon}{K} \sum_{j} \mathcal{N}(x; m_j, I_d),

    with :math:`m_k = \mu_k` unless stated otherwise. The source of every
    shift has this class-conditional with uniform classes,
    :math:`y \sim \mathcal{U}\{0, \dots, K-1\}`; every kind of shift below
    reduces to it when :math:`s = 0`.

    - ``"covariate"``: in both domains a latent class :math:`c` is drawn
      uniformly, :math:`x = \mu_c + s_D\, \delta + z` with
      :math:`z \sim \mathcal{N}(0, I_d)`, :math:`s_D = 0` in the source and
      :math:`s_D = s` in the target (the input mean moves by :math:`s`
      along :math:`\delta`). The label is then drawn from one fixed
      posterior, the same in both domains (the posterior of the source
      model):

      .. math::

          p(y = k \mid x) = (1 - \varepsilon)\,
          \operatorname{softmax}_k\!\left(\mu_j^\top x
          - \tfrac{1}{2}\lVert \mu_j \rVert^2\right)_{j}
          + \frac{\varepsilon}{K}.

    - ``"prior"``: target classes follow
      :math:`\pi = \operatorname{softmax}(s\, a)` with
      :math:`a_k = -1 + 2k/(K-1)` (``np.linspace(-1, 1, K)``), i.e.
      :math:`\pi_k \propto e^{s a_k}`; :math:`p(x \mid y)` is the source one.
      For :math:`K = 2`, :math:`\pi_1 = 1 / (1 + e^{-2s})`.
    - ``"conditional"``: classes are uniform in both domains; the target class
      means are :math:`m_k = \mu_k + s\, v_k`, where the :math:`v_k` are unit
      vectors of independent uniformly random directions drawn from the
      generator (:math:`v_k = g_k / \lVert g_k \rVert`,
      :math:`g_k \sim \mathcal{N}(0, I_d)`).
    - ``"subspace"``: a target row is a source-model row :math:`(x, y)` with
      :math:`x` replaced by :math:`R_\theta x`, :math:`\theta = s\pi/4`
      (radians); the target class-conditionals are the source ones rotated.

    **Regression.** Source inputs :math:`x \sim \mathcal{N}(0, S)` with
    :math:`S = \operatorname{diag}(1, 0.25, \dots, 0.25)` (standard deviation
    1 for the first feature, 0.5 for the others), and

    .. math::

        y = f(x) + \sigma \eta, \quad f(x) = u + \sin(2u), \quad
        u = \delta^\top x, \quad \eta \sim \mathcal{N}(0, 1).

    - ``"covariate"``: target :math:`x \sim \mathcal{N}(s\, \delta, S)`, the
      same :math:`f` and noise.
    - ``"prior"``: target rows are drawn by rejection sampling: a candidate
      :math:`(x, y)` from the source model is kept with probability
      :math:`\operatorname{expit}(s y) = 1 / (1 + e^{-s y})`. As the source
      :math:`y` is symmetric about 0, the acceptance rate is exactly
      :math:`1/2` and the target density is
      :math:`p_T(x, y) = 2 \operatorname{expit}(s y)\, p_S(x, y)`: larger
      labels are favoured, :math:`p_T(y) = 2 \operatorname{expit}(s y)
      p_S(y)`, while :math:`p(x \mid y)` is the source one.
    - ``"conditional"``: target :math:`x \sim \mathcal{N}(0, S)` as in the
      source, but :math:`y = f(x) + s\, v^\top x + \sigma \eta` with
      :math:`v` a unit vector of uniformly random direction drawn from the
      generator. The least-squares linear fit of :math:`y` on :math:`x` thus
      moves by exactly :math:`s v` (population least squares).
    - ``"subspace"``: a target row is a source-model row :math:`(x', y)`,
      :math:`y = f(x') + \sigma\eta`, with inputs :math:`x = R_\theta x'`,
      :math:`\theta = s\pi/4`: the target input covariance is
      :math:`R_\theta S R_\theta^\top` (same eigenvalues, principal axis
      rotated by :math:`\theta`) and :math:`y = f(R_\theta^\top x) +
      \sigma\eta` in target coordinates.

    The rotation of ``"subspace"`` is periodic in ``strength`` (period 8,
    i.e. :math:`2\pi`); the shift grows with ``strength`` on :math:`[0, 4]`.
    The draws are made in this order: the random directions (``"conditional"``
    only), then the source rows, then the target rows.

    Cost: :math:`O(n d)` time and memory for :math:`n` = ``n_source +
    n_target`` rows of :math:`d` features (``"prior"`` regression draws
    about twice ``n_target`` candidate target rows).

    References
    ----------
    .. [1] J. Quiñonero-Candela, M. Sugiyama, A. Schwaighofer and
       N. D. Lawrence (eds.), "Dataset Shift in Machine Learning", MIT Press,
       2009.
    .. [2] J. G. Moreno-Torres, T. Raeder, R. Alaiz-Rodríguez, N. V. Chawla
       and F. Herrera, "A unifying view on dataset shift in classification",
       Pattern Recognition, 45(1), 521-530, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.datasets import make_domain_shift
    >>> X, y, sample_domain = make_domain_shift(
    ...     "prior", n_source=100, n_target=50, n_features=3, random_state=0
    ... )
    >>> X.shape, y.shape, sample_domain.shape
    ((150, 3), (150,), (150,))
    >>> np.unique(sample_domain).tolist()
    [-2, 1]
    >>> np.unique(y[sample_domain == 1]).tolist()
    [0, 1]
    >>> np.unique(y[sample_domain == -2]).tolist()
    [-1]
    >>> X, y, sample_domain = make_domain_shift(
    ...     "covariate", task="regression", strength=0.0, random_state=0
    ... )
    >>> bool(np.isnan(y[sample_domain == -2]).all()), y.dtype.name
    (True, 'float64')
    """
    _check_params(
        shift=shift,
        task=task,
        n_source=n_source,
        n_target=n_target,
        n_features=n_features,
        n_classes=n_classes,
        strength=strength,
        noise=noise,
        mask_target_labels=mask_target_labels,
        random_state=random_state,
    )
    rng = check_random_state(random_state)
    n_source, n_target = int(n_source), int(n_target)
    n_features, n_classes = int(n_features), int(n_classes)
    strength, noise = float(strength), float(noise)

    if task == "classification":
        X_src, y_src, X_tgt, y_tgt = _classification(
            rng, shift, n_source, n_target, n_features, n_classes, strength, noise
        )
        y_src = y_src.astype(np.int64)
        y_tgt = y_tgt.astype(np.int64)
        if mask_target_labels:
            y_tgt = np.full(n_target, -1, dtype=np.int64)
    else:
        X_src, y_src, X_tgt, y_tgt = _regression(
            rng, shift, n_source, n_target, n_features, strength, noise
        )
        y_src = y_src.astype(np.float64)
        y_tgt = y_tgt.astype(np.float64)
        if mask_target_labels:
            y_tgt = np.full(n_target, np.nan, dtype=np.float64)

    X = np.ascontiguousarray(np.vstack([X_src, X_tgt]), dtype=np.float64)
    y = np.concatenate([y_src, y_tgt])
    sample_domain = np.concatenate(
        [
            np.full(n_source, _SOURCE_ID, dtype=np.int64),
            np.full(n_target, _TARGET_ID, dtype=np.int64),
        ]
    )
    return X, y, sample_domain


# ----------------------------------------------------------------------------
# Parameter validation
# ----------------------------------------------------------------------------


def _check_params(**params):
    """The table, then the two checks that involve two arguments."""
    check_params("make_domain_shift", params, _PARAMETER_CONSTRAINTS)
    if params["shift"] == "subspace" and params["n_features"] < 2:
        raise param_error(
            "make_domain_shift",
            "n_features",
            "an integer in the range [2, inf) for shift='subspace'",
            params["n_features"],
        )
    if params["task"] == "classification" and params["noise"] > 1:
        raise param_error(
            "make_domain_shift",
            "noise",
            "a real number in the range [0, 1] (a label-noise rate) for task='classification'",
            params["noise"],
        )


# ----------------------------------------------------------------------------
# Shared pieces
# ----------------------------------------------------------------------------


def _rotate(X, theta):
    """Rotate the rows of ``X`` by ``theta`` in the plane of features 0 and 1."""
    cos, sin = np.cos(theta), np.sin(theta)
    X_rot = X.copy()
    X_rot[:, 0] = cos * X[:, 0] - sin * X[:, 1]
    X_rot[:, 1] = sin * X[:, 0] + cos * X[:, 1]
    return X_rot


def _random_unit_vectors(rng, n_vectors, n_features):
    """Unit vectors of independent uniformly random directions."""
    g = rng.standard_normal((n_vectors, n_features))
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    return g / np.maximum(norms, np.finfo(np.float64).tiny)


def _shift_direction(n_features):
    return np.full(n_features, 1.0 / np.sqrt(n_features))


# ----------------------------------------------------------------------------
# Classification
# ----------------------------------------------------------------------------


def _class_means(n_classes, n_features):
    """Seed-independent class means, neighbouring means ``_CLASS_SPACING`` apart."""
    means = np.zeros((n_classes, n_features))
    k = np.arange(n_classes)
    if n_features == 1:
        means[:, 0] = _CLASS_SPACING * (k - (n_classes - 1) / 2)
    else:
        radius = _CLASS_SPACING / (2.0 * np.sin(np.pi / n_classes))
        angles = 2.0 * np.pi * k / n_classes
        means[:, 0] = radius * np.cos(angles)
        means[:, 1] = radius * np.sin(angles)
    return means


def _draw_given_labels(rng, y, means, noise):
    """Draw ``x | y`` from the noisy class-conditional mixture around ``means``."""
    n_samples = y.shape[0]
    n_classes, n_features = means.shape
    swap = rng.random_sample(n_samples) < noise
    other = rng.randint(n_classes, size=n_samples)
    component = np.where(swap, other, y)
    return means[component] + rng.standard_normal((n_samples, n_features))


def _posterior(X, means, noise):
    """Fixed labelling model ``p(y | x)`` of the covariate shift."""
    logits = X @ means.T - 0.5 * np.sum(means**2, axis=1)
    n_classes = means.shape[0]
    return (1.0 - noise) * softmax(logits, axis=1) + noise / n_classes


def _sample_categorical(rng, proba):
    """One categorical draw per row of ``proba``."""
    u = rng.random_sample(proba.shape[0])
    labels = np.sum(u[:, None] >= np.cumsum(proba, axis=1), axis=1)
    return np.minimum(labels, proba.shape[1] - 1)


def _covariate_classification(rng, n_samples, means, noise, offset):
    n_classes, n_features = means.shape
    component = rng.randint(n_classes, size=n_samples)
    X = means[component] + offset + rng.standard_normal((n_samples, n_features))
    y = _sample_categorical(rng, _posterior(X, means, noise))
    return X, y


def _classification(rng, shift, n_source, n_target, n_features, n_classes, strength, noise):
    means = _class_means(n_classes, n_features)

    if shift == "covariate":
        offset = strength * _shift_direction(n_features)
        X_src, y_src = _covariate_classification(rng, n_source, means, noise, 0.0)
        X_tgt, y_tgt = _covariate_classification(rng, n_target, means, noise, offset)
        return X_src, y_src, X_tgt, y_tgt

    target_means = means
    if shift == "conditional":
        directions = _random_unit_vectors(rng, n_classes, n_features)
        target_means = means + strength * directions

    y_src = rng.randint(n_classes, size=n_source)
    X_src = _draw_given_labels(rng, y_src, means, noise)

    if shift == "prior":
        proportions = softmax(strength * np.linspace(-1.0, 1.0, n_classes))
        y_tgt = rng.choice(n_classes, size=n_target, p=proportions)
    else:
        y_tgt = rng.randint(n_classes, size=n_target)
    X_tgt = _draw_given_labels(rng, y_tgt, target_means, noise)
    if shift == "subspace":
        X_tgt = _rotate(X_tgt, _ANGLE_PER_STRENGTH * strength)
    return X_src, y_src, X_tgt, y_tgt


# ----------------------------------------------------------------------------
# Regression
# ----------------------------------------------------------------------------


def _regression_function(X):
    u = X @ _shift_direction(X.shape[1])
    return u + np.sin(2.0 * u)


def _draw_regression(rng, n_samples, n_features, noise, mean=0.0):
    std = np.full(n_features, _REG_STD_OTHER)
    std[0] = _REG_STD_FIRST
    X = mean + std * rng.standard_normal((n_samples, n_features))
    y = _regression_function(X) + noise * rng.standard_normal(n_samples)
    return X, y


def _tilted_regression(rng, n_samples, n_features, noise, strength):
    """Rejection sampling: keep a source-model row with probability expit(s * y)."""
    X_parts, y_parts = [], []
    n_kept = 0
    while n_kept < n_samples:
        # The acceptance rate is exactly 1/2: draw about twice what is missing.
        n_draw = max(2 * (n_samples - n_kept), 16)
        X, y = _draw_regression(rng, n_draw, n_features, noise)
        keep = rng.random_sample(n_draw) < expit(strength * y)
        X_parts.append(X[keep])
        y_parts.append(y[keep])
        n_kept += int(keep.sum())
    X = np.vstack(X_parts)[:n_samples]
    y = np.concatenate(y_parts)[:n_samples]
    return X, y


def _regression(rng, shift, n_source, n_target, n_features, strength, noise):
    direction = None
    if shift == "conditional":
        direction = _random_unit_vectors(rng, 1, n_features)[0]

    X_src, y_src = _draw_regression(rng, n_source, n_features, noise)

    if shift == "covariate":
        mean = strength * _shift_direction(n_features)
        X_tgt, y_tgt = _draw_regression(rng, n_target, n_features, noise, mean=mean)
    elif shift == "prior":
        X_tgt, y_tgt = _tilted_regression(rng, n_target, n_features, noise, strength)
    elif shift == "conditional":
        X_tgt, y_tgt = _draw_regression(rng, n_target, n_features, noise)
        y_tgt = y_tgt + strength * (X_tgt @ direction)
    else:  # subspace
        X_tgt, y_tgt = _draw_regression(rng, n_target, n_features, noise)
        X_tgt = _rotate(X_tgt, _ANGLE_PER_STRENGTH * strength)
    return X_src, y_src, X_tgt, y_tgt
