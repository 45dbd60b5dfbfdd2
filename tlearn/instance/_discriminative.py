r"""The density ratio from a probabilistic domain classifier.

A classifier :math:`\hat p(d \mid x)` trained to tell target rows
(:math:`d = t`) from source rows (:math:`d = s`) gives the ratio by Bayes'
rule,

.. math::

    \frac{p_t(x)}{p_s(x)} = \frac{p(t \mid x)}{p(s \mid x)} \cdot \frac{n_s}{n_t},

the second factor undoing the class prior :math:`n_t / n_s` of the pooled
rows (Qin 1998; Bickel, Brückner and Scheffer 2007; Sugiyama, Suzuki and
Kanamori 2012, chapter 4). :func:`classifier_ratio` is that formula, with
the probabilities clipped; :class:`DiscriminativeRatio` is the estimator.
"""

from numbers import Real

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression

from .._params import Estimator, Interval
from ._ratio import BaseDensityRatio

__all__ = ["DiscriminativeRatio", "classifier_ratio"]


def classifier_ratio(proba_target, n_source, n_target, clip=1e-6):
    r"""The ratio :math:`\frac{p}{1 - p}\cdot\frac{n_s}{n_t}` of :math:`p = \hat p(t \mid x)`.

    :math:`p` is first clipped into :math:`[\text{clip}, 1 - \text{clip}]`,
    so the ratio is finite and positive: between
    :math:`\frac{\text{clip}}{1 - \text{clip}}\frac{n_s}{n_t}` and
    :math:`\frac{1 - \text{clip}}{\text{clip}}\frac{n_s}{n_t}`.

    Parameters
    ----------
    proba_target : ndarray of shape (n_samples,)
        :math:`\hat p(t \mid x)`.
    n_source, n_target : int
        The numbers of source and target rows the classifier was fitted on.
    clip : float, default=1e-6
        In :math:`[0, 1/2)`.

    Returns
    -------
    ratio : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> classifier_ratio(np.array([0.5, 0.8]), n_source=100, n_target=50)
    array([2., 8.])
    """
    p = np.clip(np.asarray(proba_target, dtype=np.float64), clip, 1.0 - clip)
    return p / (1.0 - p) * (n_source / n_target)


class DiscriminativeRatio(BaseDensityRatio):
    r"""Importance weights :math:`p_t(x)/p_s(x)` from a probabilistic domain classifier.

    A classifier is fitted to tell the target rows from the source rows; its
    odds :math:`p(t\mid x) / p(s\mid x)`, times :math:`n_s / n_t` to undo
    the share of target rows among the pooled rows, are the density ratio
    :math:`p_t(x) / p_s(x)`. The estimate is as good as the classifier's
    probabilities: a logistic regression is exact when the log-ratio is
    linear in the features (two Gaussians with one covariance), and any
    classifier with ``predict_proba`` can be used. The ``estimator`` is then
    fitted on the labelled rows with the ratio at the source rows as
    ``sample_weight``: importance-weighted learning for covariate shift
    (:math:`p(y\mid x)` shared).

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor whose ``fit`` takes
        ``sample_weight`` (else a ``TypeError``, before any work); ``None``
        means ``LogisticRegression()``. It learns the task.
    domain_classifier : classifier, default=None
        The domain classifier, with ``predict_proba``; cloned and fitted on
        every row, labels 0 (source) and 1 (target). ``None`` means
        ``LogisticRegression()``. It is fitted without weights, so the pooled
        rows' share of target rows is its prior.
    clip : float, default=1e-6
        :math:`\hat p(t\mid x)` is clipped into
        :math:`[\text{clip}, 1 - \text{clip}]` before the odds are formed,
        so the ratio is finite and positive, at most
        :math:`\frac{1 - \text{clip}}{\text{clip}} \frac{n_s}{n_t}`. A
        larger ``clip`` bounds the weights more tightly (and biases the
        ratio where the domains barely overlap).

    Attributes
    ----------
    weights_ : ndarray of shape (n_source_rows,)
        The ratio at the source rows, in their order in ``X``: the estimate
        itself, not rescaled (its mean is near 1, not exactly 1). Equal to
        ``density_ratio`` at those rows.
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the labelled rows with
        ``sample_weight``: ``weights_`` on source rows, 1 on labelled target
        rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    domain_classifier_ : classifier
        The fitted clone of ``domain_classifier``.
    prior_ratio_ : float
        :math:`n_s / n_t`, the factor of the odds.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    KLIEP, ULSIF : Kernel models of the ratio, fitted directly.
    KMM : Weights of the source rows only, by kernel mean matching.

    Notes
    -----
    All source domains (``sample_domain >= 0``) are pooled, and all target
    domains (labelled target rows included). With :math:`n_s` source and
    :math:`n_t` target rows, a domain variable :math:`d` with
    :math:`P(d = t) = n_t / (n_s + n_t)` and :math:`p(x \mid d) = p_d(x)`,
    Bayes' rule gives

    .. math::

        \frac{p_t(x)}{p_s(x)} = \frac{P(d = t \mid x)}{P(d = s \mid x)}
        \cdot \frac{n_s}{n_t} .

    The domain classifier estimates :math:`P(d = t \mid x)` on the pooled
    rows, which are its training rows too: a classifier that overfits them
    gives weights that are too extreme; a regularised one (the default
    logistic regression, ``C=1``) or one with out-of-fold probabilities is
    safer. For two Gaussians with a common covariance :math:`\Sigma` the
    log-ratio is linear,
    :math:`\log\frac{p_t}{p_s}(x) = (\mu_t - \mu_s)^\top\Sigma^{-1}x -
    \frac12(\mu_t^\top\Sigma^{-1}\mu_t - \mu_s^\top\Sigma^{-1}\mu_s)`, and
    a logistic regression is the right model: its coefficients converge to
    :math:`\Sigma^{-1}(\mu_t - \mu_s)`.

    **Complexity.** One fit of the domain classifier on
    :math:`n_s + n_t` rows and one ``predict_proba`` on the source rows
    (for logistic regression with :math:`d` features, :math:`O((n_s + n_t)
    d)` per solver iteration, :math:`O((n_s + n_t) d)` memory), then the fit
    of ``estimator``. ``density_ratio`` on :math:`n` rows is one
    ``predict_proba``.

    References
    ----------
    .. [1] J. Qin, "Inferences for case-control and semiparametric
       two-sample density ratio models", Biometrika 85(3):619-630, 1998.
    .. [2] S. Bickel, M. Brückner and T. Scheffer, "Discriminative Learning
       for Differing Training and Test Distributions", ICML 2007.
    .. [3] M. Sugiyama, T. Suzuki and T. Kanamori, "Density Ratio Estimation
       in Machine Learning", Cambridge University Press, 2012, chapter 4.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.instance import DiscriminativeRatio
    >>> X, y, sample_domain = make_domain_shift("covariate", n_features=3, random_state=0)
    >>> model = DiscriminativeRatio(LogisticRegression()).fit(X, y, sample_domain=sample_domain)
    >>> model.prior_ratio_, model.weights_.shape
    (1.0, (500,))
    >>> bool(np.allclose(model.density_ratio(X[sample_domain >= 0]), model.weights_))
    True
    >>> model.predict(X[sample_domain < 0]).shape
    (500,)
    """

    _parameter_constraints = {
        "estimator": [Estimator(), None],
        "domain_classifier": [
            Estimator("classifier", note="with predict_proba, to tell target from source"),
            None,
        ],
        "clip": [Interval(Real, 0, 0.5, closed="left")],
    }

    def __init__(self, estimator=None, *, domain_classifier=None, clip=1e-6):
        self.estimator = estimator
        self.domain_classifier = domain_classifier
        self.clip = clip

    def _get_domain_classifier(self):
        if self.domain_classifier is None:
            return LogisticRegression()
        return self.domain_classifier

    def _fit_weights(self, data):
        classifier = clone(self._get_domain_classifier())
        if not (is_classifier(classifier) and hasattr(classifier, "predict_proba")):
            raise TypeError(
                f"DiscriminativeRatio: the domain classifier {type(classifier).__name__} has no "
                "predict_proba, which the ratio needs. Use a probabilistic classifier (for "
                "example LogisticRegression, or CalibratedClassifierCV around a classifier)."
            )
        source, target = data.source, data.target
        classifier.fit(data.X, target.astype(np.int64))
        self.domain_classifier_ = classifier
        self.prior_ratio_ = float(source.sum() / target.sum())
        return self._ratio(data.X[source])

    def _ratio(self, X):
        proba = self.domain_classifier_.predict_proba(X)
        column = int(np.flatnonzero(self.domain_classifier_.classes_ == 1)[0])
        return classifier_ratio(proba[:, column], self.prior_ratio_, 1.0, clip=self.clip)
