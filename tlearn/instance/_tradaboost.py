r"""TrAdaBoost (Dai, Yang, Xue and Yu, ICML 2007) and TrAdaBoost.R2 (Pardoe and Stone, ICML 2010).

Both boost a learner on the labelled source rows (the paper's :math:`T_d`,
:math:`n` rows) and the labelled target rows (:math:`T_s`, :math:`m` rows).
The math lives in plain functions that the tests call directly:

- :func:`source_factor`: :math:`\beta = 1 / (1 + \sqrt{2 \ln n / N})`;
- :func:`target_error`: :math:`\varepsilon_t`, the weighted error on the
  target rows only;
- :func:`round_factor`: :math:`\beta_t = \varepsilon_t / (1 - \varepsilon_t)`
  with :math:`\varepsilon_t` clipped to :math:`[10^{-10}, 1/2 - 10^{-10}]`;
- :func:`update_weights`: :math:`w_i \beta^{\ell_i}` on source rows,
  :math:`w_i \beta_t^{-\ell_i}` on target rows;
- :func:`adjusted_errors`: AdaBoost.R2's losses :math:`e_i \in [0, 1]`;
- :func:`second_half`: the rounds :math:`\lceil N/2 \rceil \le t \le N` that
  make the final hypothesis;
- :func:`weighted_vote`, :func:`weighted_median`: the final hypotheses.

:class:`TrAdaBoost` and :class:`TrAdaBoostR2` are thin estimators over them.
"""

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._params import Estimator, Interval, Options, param_error
from ..base import BaseInstanceTransfer

__all__ = [
    "TrAdaBoost",
    "TrAdaBoostR2",
    "adjusted_errors",
    "round_factor",
    "second_half",
    "source_factor",
    "target_error",
    "update_weights",
    "weighted_mean_proba",
    "weighted_median",
    "weighted_vote",
]

#: A round's error is clipped to ``[MIN_ERROR, 1/2 - MIN_ERROR]`` before ``beta_t`` is formed.
MIN_ERROR = 1e-10
_LOSSES = ("linear", "square", "exponential")
_HYPOTHESES = ("label", "proba")


# --- the updates ------------------------------------------------------------------------


def source_factor(n_source, n_rounds):
    r"""The source rows' factor :math:`\beta = 1 / (1 + \sqrt{2 \ln n / N})`.

    A source row that round :math:`t` gets wrong (loss :math:`\ell_i`) is
    multiplied by :math:`\beta^{\ell_i}` (Dai et al., Algorithm 1, step 4).

    Parameters
    ----------
    n_source : int
        :math:`n`, the number of source rows.
    n_rounds : int
        :math:`N`, the number of boosting rounds asked for.

    Returns
    -------
    beta : float
        In :math:`(0, 1]`; ``1.0`` (nothing to down-weight) when
        ``n_source <= 1``.
    """
    if n_source <= 1:
        return 1.0
    return 1.0 / (1.0 + math.sqrt(2.0 * math.log(n_source) / n_rounds))


def target_error(target_weights, target_loss):
    r"""The round's error on the target rows only.

    .. math::

        \varepsilon_t = \frac{\sum_{i \in T_s} w_i^t \ell_i^t}{\sum_{i \in T_s} w_i^t}

    Parameters
    ----------
    target_weights : ndarray of shape (n_target,)
        Current weights :math:`w_i^t` of the labelled target rows (any scale).
    target_loss : ndarray of shape (n_target,)
        Losses :math:`\ell_i^t \in [0, 1]` of those rows.

    Returns
    -------
    eps : float
    """
    target_weights = np.asarray(target_weights, dtype=np.float64)
    return float(np.dot(target_weights, target_loss) / target_weights.sum())


def round_factor(eps):
    r"""The target rows' factor :math:`\beta_t = \varepsilon_t / (1 - \varepsilon_t)`.

    :math:`\varepsilon_t` is first clipped to :math:`[10^{-10}, 1/2 - 10^{-10}]`
    (:data:`MIN_ERROR`):

    - :math:`\varepsilon_t = 0` would give :math:`\beta_t = 0` and an
      infinite vote :math:`\ln(1/\beta_t)`; clipped, the round gets a large
      finite vote, :math:`\ln((1 - 10^{-10}) / 10^{-10}) \approx 23`. The
      target update is unchanged by the clip: a round with no target error
      has :math:`\ell_i = 0` on every target row, and :math:`\beta_t^{0} = 1`.
    - :math:`\varepsilon_t \ge 1/2` (Dai et al.: ":math:`\varepsilon_t` is
      required to be less than 1/2") would give :math:`\beta_t \ge 1`, which
      *lowers* the weights of the target rows that the round got wrong, and a
      vote :math:`\ln(1/\beta_t) \le 0`; clipped, :math:`\beta_t \approx 1`:
      the target weights stay as they are and the vote is
      :math:`\approx 4 \cdot 10^{-10}`. (:class:`TrAdaBoostR2` stops before
      such a round instead.)

    Parameters
    ----------
    eps : float
        The round's target error, in :math:`[0, 1]`.

    Returns
    -------
    beta_t : float
        In :math:`(0, 1)`.
    """
    eps = min(max(float(eps), MIN_ERROR), 0.5 - MIN_ERROR)
    return eps / (1.0 - eps)


def update_weights(weights, loss, is_source, beta, beta_t):
    r"""One TrAdaBoost weight update (Dai et al., Algorithm 1, step 5).

    .. math::

        w_i^{t+1} = \begin{cases}
            w_i^t \, \beta^{\ell_i^t} & i \in T_d \text{ (source)}, \\
            w_i^t \, \beta_t^{-\ell_i^t} & i \in T_s \text{ (target)},
        \end{cases}

    with :math:`\ell_i^t = |h_t(x_i) - c(x_i)|` (classification; the 0/1
    loss for several classes) or the adjusted error :math:`e_i^t`
    (TrAdaBoost.R2). Source rows that the round gets wrong lose weight,
    target rows that it gets wrong gain weight.

    Parameters
    ----------
    weights : ndarray of shape (n_rows,)
        :math:`w^t` on the labelled rows.
    loss : ndarray of shape (n_rows,)
        :math:`\ell^t`, in :math:`[0, 1]`.
    is_source : ndarray of bool of shape (n_rows,)
        Which rows are source rows.
    beta : float
        :func:`source_factor`.
    beta_t : float
        :func:`round_factor`.

    Returns
    -------
    new_weights : ndarray of shape (n_rows,)
        :math:`w^{t+1}`, not normalised.
    """
    loss = np.asarray(loss, dtype=np.float64)
    factor = np.where(is_source, beta**loss, beta_t ** (-loss))
    return np.asarray(weights, dtype=np.float64) * factor


def adjusted_errors(y_true, y_pred, loss="linear"):
    r"""AdaBoost.R2's adjusted errors (Drucker 1997), as TrAdaBoost.R2 uses them.

    With :math:`D_t = \max_j |y_j - h_t(x_j)|` over every labelled row
    (source and target) and :math:`r_i = |y_i - h_t(x_i)| / D_t`:

    - ``"linear"``: :math:`e_i = r_i`;
    - ``"square"``: :math:`e_i = r_i^2`;
    - ``"exponential"``: :math:`e_i = 1 - \exp(-r_i)`.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_rows,)
    loss : {"linear", "square", "exponential"}, default="linear"

    Returns
    -------
    e : ndarray of shape (n_rows,)
        In :math:`[0, 1]`; all zeros when every row is predicted exactly
        (:math:`D_t = 0`).
    """
    if loss not in _LOSSES:
        raise ValueError(f"loss must be one of {_LOSSES}; got {loss!r}.")
    residual = np.abs(np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64))
    largest = residual.max(initial=0.0)
    if largest <= 0:
        return np.zeros_like(residual)
    r = residual / largest
    if loss == "square":
        return r**2
    if loss == "exponential":
        return 1.0 - np.exp(-r)
    return r


# --- the final hypotheses ---------------------------------------------------------------


def second_half(n_rounds):
    r"""The rounds :math:`\lceil N/2 \rceil \le t \le N` (1-based) that vote, as a slice.

    Both papers build the final hypothesis from these rounds only: for
    :math:`N = 4` rounds 2, 3 and 4 vote, for :math:`N = 5` rounds 3, 4 and 5.

    Parameters
    ----------
    n_rounds : int
        :math:`N`, the number of rounds run (at least 1).

    Returns
    -------
    rounds : slice
        0-based: ``slice(ceil(N/2) - 1, N)``.

    Examples
    --------
    >>> from tlearn.instance._tradaboost import second_half
    >>> list(range(4))[second_half(4)], list(range(5))[second_half(5)]
    ([1, 2, 3], [2, 3, 4])
    """
    return slice(math.ceil(n_rounds / 2) - 1, n_rounds)


def weighted_vote(predicted, weights, n_classes):
    r"""Normalised weighted votes :math:`\sum_t a_t 1[h_t(x) = k] / \sum_t a_t`.

    With :math:`a_t = \ln(1/\beta_t)` and two classes, predicting the class
    with the larger vote (class 1 on a tie) is Dai et al.'s rule
    :math:`\prod_t \beta_t^{-h_t(x)} \ge \prod_t \beta_t^{-1/2}`: take logs,
    :math:`\sum_t a_t h_t(x) \ge \tfrac12 \sum_t a_t`, i.e. the vote for
    class 1 is at least the vote for class 0.

    Parameters
    ----------
    predicted : ndarray of int of shape (n_rounds, n_samples)
        Class index (``0 .. n_classes - 1``) that each round predicts.
    weights : ndarray of shape (n_rounds,)
        Vote :math:`a_t > 0` of each round.
    n_classes : int

    Returns
    -------
    votes : ndarray of shape (n_samples, n_classes)
        Rows sum to 1.
    """
    predicted = np.asarray(predicted)
    weights = np.asarray(weights, dtype=np.float64)
    votes = np.zeros((predicted.shape[1], n_classes))
    rows = np.arange(predicted.shape[1])
    for k, a in zip(predicted, weights):
        votes[rows, k] += a
    return votes / weights.sum()


def weighted_mean_proba(probas, weights):
    r"""The vote of real-valued hypotheses: :math:`\sum_t a_t p_t(k \mid x) / \sum_t a_t`.

    For two classes with :math:`h_t(x) = p_t(1 \mid x) \in [0, 1]`, class 1
    where this is at least 1/2 is Dai et al.'s rule :math:`\prod_t
    \beta_t^{-h_t(x)} \ge \prod_t \beta_t^{-1/2}` read with real-valued
    :math:`h_t` (take logs: :math:`\sum_t a_t h_t(x) \ge \frac12 \sum_t a_t`).

    Parameters
    ----------
    probas : sequence of ndarray of shape (n_samples, n_classes)
        :math:`p_t(k \mid x)` of each round.
    weights : ndarray of shape (n_rounds,)
        Vote :math:`a_t > 0` of each round.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
        Rows sum to 1.
    """
    weights = np.asarray(weights, dtype=np.float64)
    total = np.tensordot(weights, np.stack(probas), axes=1)
    return total / weights.sum()


def _argmax_last(votes):
    """Index of the largest vote per row; a tie goes to the later class (the paper's ``>=``)."""
    return votes.shape[1] - 1 - np.argmax(votes[:, ::-1], axis=1)


def weighted_median(predictions, weights):
    r"""Weighted median per sample (Drucker 1997): the smallest value whose weight reaches half.

    .. math::

        h_f(x) = \min\Big\{ y : \sum_{t:\, h_t(x) \le y} a_t \ \ge\
                 \tfrac12 \sum_t a_t \Big\}

    Parameters
    ----------
    predictions : ndarray of shape (n_rounds, n_samples)
        :math:`h_t(x)` of each round.
    weights : ndarray of shape (n_rounds,)
        :math:`a_t = \ln(1/\beta_t) > 0`.

    Returns
    -------
    median : ndarray of shape (n_samples,)
    """
    predictions = np.asarray(predictions, dtype=np.float64).T
    weights = np.asarray(weights, dtype=np.float64)
    order = np.argsort(predictions, axis=1, kind="stable")
    cumulative = np.cumsum(weights[order], axis=1)
    at_median = np.argmax(cumulative >= 0.5 * cumulative[:, -1:], axis=1)
    return np.take_along_axis(predictions, order, axis=1)[np.arange(len(predictions)), at_median]


# --- the boosting loop ------------------------------------------------------------------


def _reseed(estimator, rng):
    """Give every ``random_state`` parameter of ``estimator`` a seed drawn from ``rng``."""
    params = estimator.get_params(deep=True)
    keys = sorted(k for k in params if k == "random_state" or k.endswith("__random_state"))
    if keys:
        estimator.set_params(**{k: int(rng.randint(np.iinfo(np.int32).max)) for k in keys})


class _BaseTrAdaBoost(BaseInstanceTransfer):
    """The boosting loop shared by TrAdaBoost and TrAdaBoost.R2."""

    _requires_target = True
    _requires_labeled_target = True
    # Whether a round whose target error reaches 1/2 ends the boosting.
    _stop_at_half = False
    _no_loss_hint = "A weaker learner would let the weights move."

    def _round_loss(self, learner, X, y):
        r"""The loss :math:`\ell_i^t \in [0, 1]` of the fitted round learner on every row."""
        raise NotImplementedError

    def _check_learner(self, estimator):
        """Checks of ``estimator`` that involve other parameters (after validate_params)."""

    def fit(self, X, y, sample_domain=None):
        """Boost the estimator on the labelled source and target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of every domain, stacked.
        y : array-like of shape (n_samples,)
            Labels; ``-1`` (classification) or ``NaN`` (regression) marks an
            unknown label. Rows with unknown labels take no part.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain id per row: ``>= 0`` source, ``< 0`` target. ``None``
            infers it from the unknown labels, which leaves no labelled
            target row: pass ``sample_domain``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        # validates the parameters (the table) first, then the data
        data = self._check_domains(X, y, sample_domain, reset=True, require_source=False)
        self._check_learner(self._get_estimator())
        self._check_sample_weight_support()  # before any learner is fitted

        rows = data.labeled
        X_fit, y_fit = data.X[rows], data.y[rows]
        is_source = data.source[rows]
        is_target = ~is_source
        n_rows = X_fit.shape[0]

        if self._task() == "classification":
            self.classes_ = np.unique(y_fit)
        template = clone(self._get_estimator())
        rng = None if self.random_state is None else check_random_state(self.random_state)
        beta = source_factor(int(is_source.sum()), self.n_estimators)

        weights = np.full(n_rows, 1.0 / n_rows)  # w^1: uniform
        estimators, errors, votes, distributions = [], [], [], []
        moved = False  # whether any update changed any weight
        for t in range(self.n_estimators):
            p = weights / weights.sum()  # p^t
            learner = clone(template)
            if rng is not None:
                _reseed(learner, rng)
            # The distribution p^t, scaled to mean 1: the same distribution for
            # the learner, and per-row multipliers (of C in SVC, for example)
            # that equal 1 when the weights are uniform.
            learner.fit(X_fit, y_fit, sample_weight=p * n_rows)
            loss = self._round_loss(learner, X_fit, y_fit)
            eps = target_error(p[is_target], loss[is_target])
            if self._stop_at_half and eps >= 0.5:
                if t > 0:
                    break  # as AdaBoost.R2: drop this learner, N = t - 1
                warnings.warn(
                    f"{type(self).__name__}: the first learner's error on the labelled "
                    f"target rows is {eps:.3g} >= 0.5, so boosting stopped after it; "
                    "the ensemble is that one learner.",
                    UserWarning,
                    stacklevel=2,
                )
                estimators.append(learner)
                errors.append(eps)
                votes.append(1.0)
                distributions.append(p)
                break
            beta_t = round_factor(eps)
            estimators.append(learner)
            errors.append(eps)
            votes.append(math.log(1.0 / beta_t))
            distributions.append(p)
            weights = update_weights(p, loss, is_source, beta, beta_t)
            moved = moved or not np.array_equal(weights, p)

        distributions = np.asarray(distributions)
        final = weights / weights.sum()
        self.estimator_ = template
        self.estimators_ = estimators
        self.estimator_errors_ = np.asarray(errors)
        self.estimator_weights_ = np.asarray(votes)
        self.source_weights_ = distributions[:, is_source]
        self.target_weights_ = distributions[:, is_target]
        self.weights_ = final[is_source]
        self.beta_ = beta
        self.n_estimators_ = len(estimators)
        if len(estimators) > 1 and not moved:
            warnings.warn(
                f"{type(self).__name__}: no round had a loss on any labelled row, so no "
                "weight ever changed and every round refitted the same learner on the "
                "same rows: the ensemble is the pooled learner. " + self._no_loss_hint,
                UserWarning,
                stacklevel=2,
            )
        return self

    def _voters(self, X, sample_domain):
        """The validated rows, and the second-half learners with their votes."""
        check_is_fitted(self)
        data = self._check_domains(X, None, sample_domain, reset=False)
        rounds = second_half(self.n_estimators_)
        return data.X, self.estimators_[rounds], self.estimator_weights_[rounds]


def _unavailable(name):
    """A method that a regressor must not have (``hasattr`` is False), hiding the base's."""

    def method(self, X, sample_domain=None):
        raise AttributeError(name)  # never reached: available_if hides it

    method.__name__ = name
    return available_if(lambda self: False)(method)


class TrAdaBoost(_BaseTrAdaBoost):
    r"""TrAdaBoost: boosting that trusts the target rows and filters the source rows.

    On the labelled source rows :math:`T_d` (:math:`n` rows) and labelled
    target rows :math:`T_s` (:math:`m` rows), with :math:`N` =
    ``n_estimators`` and uniform :math:`w^1`, round :math:`t = 1 \dots N`
    (Dai et al., Algorithm 1):

    1. :math:`p^t = w^t / \sum_i w_i^t`; fit the learner :math:`h_t` on every
       labelled row with ``sample_weight`` :math:`(n + m)\, p^t`;
    2. :math:`\varepsilon_t = \sum_{i \in T_s} w_i^t \ell_i^t / \sum_{i \in T_s} w_i^t`,
       the error on the **target** rows only, with the paper's loss
       :math:`\ell_i^t = |h_t(x_i) - c(x_i)|` read for the chosen
       ``hypothesis``:

       - ``"label"`` (default): :math:`h_t` is the predicted class, so
         :math:`\ell_i^t = 1[h_t(x_i) \ne c(x_i)]`, the 0/1 loss;
       - ``"proba"``: :math:`h_t` is the learner's class probability, so
         :math:`\ell_i^t = 1 - p_t(c(x_i) \mid x_i)` (for two classes,
         :math:`h_t(x) = p_t(1 \mid x) \in [0, 1]` and this is
         :math:`|h_t(x_i) - c(x_i)|` exactly);
    3. :math:`\beta_t = \varepsilon_t / (1 - \varepsilon_t)` and
       :math:`\beta = 1 / (1 + \sqrt{2 \ln n / N})`;
    4. :math:`w_i^{t+1} = w_i^t \beta^{\ell_i^t}` on source rows (a source row
       that disagrees with the target concept loses weight),
       :math:`w_i^{t+1} = w_i^t \beta_t^{-\ell_i^t}` on target rows (as in
       AdaBoost, a hard target row gains weight).

    The final hypothesis is a vote of the **second half** of the rounds,
    :math:`H = \{t : \lceil N/2 \rceil \le t \le N\}`, with weights
    :math:`a_t = \ln(1/\beta_t)`:

    .. math::

        h_f(x) = \arg\max_k \sum_{t \in H} a_t \, h_{t,k}(x),

    with :math:`h_{t,k}(x) = p_t(k \mid x)` (``"proba"``) or
    :math:`1[h_t(x) = k]` (``"label"``), a tie going to the later class of
    ``classes_``. For two classes this is the paper's
    :math:`h_f(x) = 1 \iff \prod_{t \in H} \beta_t^{-h_t(x)} \ge
    \prod_{t \in H} \beta_t^{-1/2}` (take logs: the vote for class 1 is at
    least half the total). For more classes it is AdaBoost.M1's extension
    (Freund and Schapire 1997): the same loss and the same vote. Its
    requirement :math:`\varepsilon_t < 1/2` is harder for a weak learner to
    meet as the number of classes grows: rounds that miss it get no vote (see
    Notes), so use a learner that is better than chance on the target rows.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier whose ``fit`` takes ``sample_weight``;
        ``None`` means ``LogisticRegression()`` (tlearn's default; a linear
        learner, as the SVMs of the paper's experiments). A tree stump
        (``DecisionTreeClassifier(max_depth=1)``) is the classic weak learner
        of boosting. With ``hypothesis="label"``, a learner that fits the few
        target rows perfectly makes every :math:`\varepsilon_t = 0`, and the
        boosting then only filters the source rows.
    n_estimators : int, default=20
        :math:`N`, the number of rounds. It also sets :math:`\beta`.
    hypothesis : {"label", "proba"}, default="label"
        What :math:`h_t` is in the loss and the vote: the learner's
        ``predict`` (the paper's classifier) or its ``predict_proba`` (which
        it must then have; for ``SVC`` set ``probability=True``).

        - ``"label"``: only the rows that a round gets wrong move. A learner
          that classifies every labelled row correctly (a flexible learner
          on few rows in many dimensions) has loss 0 everywhere: no weight
          moves and the ensemble is the pooled learner, which a
          ``UserWarning`` reports.
        - ``"proba"``: the loss is positive on correctly classified rows
          too, so the weights move whatever the learner; but every target
          row then gains weight in every round, and after many rounds a
          few target rows can hold most of the weight.

        Measured with logistic regression and 3 labelled target rows per
        class (``benchmarks/instance_office_caltech.py``,
        ``benchmarks/office31.py``): on Office-Caltech-10, where the 0/1 loss
        never moves a weight, ``"proba"`` gains about 2 points; on the
        Amazon reviews ``"label"`` is about 3 points better. Choose on
        held-out labelled target rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the ``random_state`` parameters of each round's learner (a
        new seed per round). ``None`` leaves them as given. The boosting
        itself is deterministic.

    Attributes
    ----------
    estimators_ : list of estimator objects
        The fitted learner :math:`h_t` of each round.
    estimator_weights_ : ndarray of shape (n_estimators_,)
        :math:`a_t = \ln(1/\beta_t)`, with :math:`\varepsilon_t` clipped to
        :math:`[10^{-10}, 1/2 - 10^{-10}]` (see Notes).
    estimator_errors_ : ndarray of shape (n_estimators_,)
        :math:`\varepsilon_t`, the weighted error on the labelled target rows
        (not clipped).
    source_weights_ : ndarray of shape (n_estimators_, n_source)
        :math:`p^t` on the source rows: the normalised weights (over every
        labelled row) that round :math:`t` was fitted with.
    target_weights_ : ndarray of shape (n_estimators_, n_labelled_target)
        :math:`p^t` on the labelled target rows.
    weights_ : ndarray of shape (n_source,)
        The source part of :math:`p^{N+1}`, the normalised weights after the
        last update: the learned source weights.
    beta_ : float
        :math:`\beta = 1 / (1 + \sqrt{2 \ln n / N})`.
    n_estimators_ : int
        Rounds run (always ``n_estimators``).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    estimator_ : estimator object
        The unfitted template that each round clones.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    TrAdaBoostR2 : the regression version.
    tlearn.baselines.Pooled : one fit on every labelled row, no reweighting.

    Notes
    -----
    **Edge rounds.** Dai et al. write that ":math:`\varepsilon_t` is required
    to be less than 1/2" and say nothing of :math:`\varepsilon_t = 0`. Here
    :math:`\varepsilon_t` is clipped to :math:`[10^{-10}, 1/2 - 10^{-10}]`
    before :math:`\beta_t` is formed (:func:`round_factor`), and boosting
    runs all ``n_estimators`` rounds (``estimator_errors_`` keeps the
    unclipped errors):

    - :math:`\varepsilon_t \ge 1/2`: :math:`\beta_t \approx 1`, so the target
      weights stay as they are and the round has no say in the vote
      (:math:`a_t \approx 4 \cdot 10^{-10}`), while the source rows that it got
      wrong still fall by :math:`\beta`. AdaBoost.M1 stops at such a round;
      here that would end most fits after one round. With the 0/1 loss
      (``"label"``), after an update the previous learner has a weighted
      target error of exactly 1/2 (the
      AdaBoost identity :math:`\varepsilon \beta_t^{-1} / (\varepsilon
      \beta_t^{-1} + 1 - \varepsilon) = 1/2`), and when the many source rows
      dominate the fit the next learner is close to it: errors just above
      1/2 are routine in TrAdaBoost's early rounds, while the source rows are
      still being filtered, and the second-half vote exists to leave those
      rounds out.
    - :math:`\varepsilon_t = 0`: the round's vote is :math:`\ln(1/\beta_t)
      \approx 23`, which outweighs about twenty ordinary rounds but stays
      finite. The target weights do not change (no target row was wrong), and
      the source rows that disagree with a learner that fits every target row
      still fall by :math:`\beta`. Stopping there, as AdaBoost does, would end
      the source filtering as soon as a learner fits the few target labels,
      which is common.

    **Probabilities.** ``predict_proba`` is the normalised second-half vote
    :math:`\sum_{t \in H} a_t h_{t,k}(x) / \sum_{t \in H} a_t`: the
    weighted mean of the learners' probabilities (``"proba"``), or of their
    one-hot class predictions (``"label"``, which works for any learner);
    ``predict`` is its arg max (ties to the later class),
    ``decision_function`` is ``proba[:, 1] - proba[:, 0]`` for two classes
    (``predict`` gives ``classes_[1]`` iff it is ``>= 0``) and ``proba``
    otherwise.

    Only labelled rows take part; unlabelled target rows are ignored (the
    paper passes them to semi-supervised learners only). Several source or
    target domains are pooled. Without source rows, TrAdaBoost is discrete
    AdaBoost on the target rows with the second-half vote (and the edge
    rounds above).

    Cost: ``n_estimators`` fits and predictions of the learner on the
    labelled rows, plus :math:`O(N (n + m))`; prediction uses the
    :math:`N - \lceil N/2 \rceil + 1` voting learners.

    References
    ----------
    .. [1] W. Dai, Q. Yang, G.-R. Xue and Y. Yu. "Boosting for Transfer
       Learning". ICML 2007.
    .. [2] Y. Freund and R. E. Schapire. "A Decision-Theoretic Generalization
       of On-Line Learning and an Application to Boosting". JCSS 55, 1997.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.instance import TrAdaBoost
    >>> from tlearn.datasets import make_domain_shift
    >>> X, y, sample_domain = make_domain_shift(
    ...     "conditional", mask_target_labels=False, random_state=0)
    >>> target = np.flatnonzero(sample_domain < 0)
    >>> y[target[20:]] = -1  # keep twenty target labels
    >>> model = TrAdaBoost(n_estimators=10).fit(X, y, sample_domain=sample_domain)
    >>> model.n_estimators_, model.source_weights_.shape, model.target_weights_.shape
    (10, (10, 500), (10, 20))
    >>> model.predict_proba(X[target[:3]]).sum(axis=1)
    array([1., 1., 1.])
    """

    _no_loss_hint = (
        "With a learner that fits every labelled row, use hypothesis='proba' "
        "(the loss 1 - p(true class), which moves the weights) or a weaker learner."
    )

    _parameter_constraints = {
        "estimator": [Estimator("classifier", note="TrAdaBoostR2 is for regression"), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "hypothesis": [Options(_HYPOTHESES)],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, n_estimators=20, hypothesis="label", random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.hypothesis = hypothesis
        self.random_state = random_state

    def _check_learner(self, estimator):
        if self.hypothesis == "proba" and not hasattr(estimator, "predict_proba"):
            raise param_error(
                self,
                "estimator",
                "a classifier with predict_proba when hypothesis='proba' (for SVC, set "
                "probability=True)",
                estimator,
                error=TypeError,
            )

    def _round_loss(self, learner, X, y):
        if self.hypothesis == "label":
            return (np.asarray(learner.predict(X)) != y).astype(np.float64)
        proba = self._learner_proba(learner, X)
        true_class = np.searchsorted(self.classes_, y)
        return np.clip(1.0 - proba[np.arange(len(y)), true_class], 0.0, 1.0)

    def _learner_proba(self, learner, X):
        """``learner.predict_proba(X)`` with its columns checked against ``classes_``."""
        if not np.array_equal(getattr(learner, "classes_", self.classes_), self.classes_):
            raise ValueError(
                "A round's learner was fitted on classes "
                f"{list(learner.classes_)}, not {list(self.classes_)}."
            )
        return np.asarray(learner.predict_proba(X), dtype=np.float64)

    def _class_indices(self, y_pred):
        y_pred = np.asarray(y_pred)
        index = np.clip(np.searchsorted(self.classes_, y_pred), 0, len(self.classes_) - 1)
        if not np.all(self.classes_[index] == y_pred):
            raise ValueError("A learner predicted a class that is not in classes_.")
        return index

    def predict_proba(self, X, sample_domain=None):
        """Normalised weighted votes of the second-half learners.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids (validated; TrAdaBoost predicts every row alike).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to 1.
        """
        X, learners, votes = self._voters(X, sample_domain)
        if self.hypothesis == "proba":
            return weighted_mean_proba([self._learner_proba(h, X) for h in learners], votes)
        predicted = np.stack([self._class_indices(h.predict(X)) for h in learners])
        return weighted_vote(predicted, votes, len(self.classes_))

    def predict_log_proba(self, X, sample_domain=None):
        """Log of :meth:`predict_proba` (``-inf`` for a class with no vote).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, sample_domain))

    def decision_function(self, X, sample_domain=None):
        """Vote margin: ``proba[:, 1] - proba[:, 0]`` for two classes, else ``proba``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, in ``[-1, 1]``; ``predict`` gives ``classes_[1]``
            where it is ``>= 0``.
        """
        proba = self.predict_proba(X, sample_domain)
        if proba.shape[1] == 2:
            return proba[:, 1] - proba[:, 0]
        return proba

    def predict(self, X, sample_domain=None):
        """The second-half weighted vote (ties to the later class, as the paper's ``>=``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X, sample_domain)
        return self.classes_[_argmax_last(proba)]


class TrAdaBoostR2(_BaseTrAdaBoost):
    r"""TrAdaBoost.R2: TrAdaBoost for regression, with AdaBoost.R2's adjusted errors.

    As :class:`TrAdaBoost` (Pardoe and Stone, Algorithm 3), with the loss of
    round :math:`t` the adjusted error of AdaBoost.R2,
    :math:`D_t = \max_j |y_j - h_t(x_j)|` over every labelled row and

    .. math::

        e_i^t = \frac{|y_i - h_t(x_i)|}{D_t} \ (\text{linear}),\quad
        \Big(\frac{|y_i - h_t(x_i)|}{D_t}\Big)^2 \ (\text{square}),\quad
        1 - \exp\Big(-\frac{|y_i - h_t(x_i)|}{D_t}\Big) \ (\text{exponential}).

    Round :math:`t`: fit :math:`h_t` with ``sample_weight``
    :math:`(n + m)\, p^t`; :math:`\varepsilon_t = \sum_{i \in T_s} w_i^t e_i^t /
    \sum_{i \in T_s} w_i^t`; if :math:`\varepsilon_t \ge 1/2`, stop and drop
    :math:`h_t` (:math:`N = t - 1`, as AdaBoost.R2); else
    :math:`\beta_t = \varepsilon_t / (1 - \varepsilon_t)`,
    :math:`w_i^{t+1} = w_i^t \beta^{e_i^t}` on source rows and
    :math:`w_i^t \beta_t^{-e_i^t}` on target rows, with
    :math:`\beta = 1 / (1 + \sqrt{2 \ln n / N})`. The prediction is the
    weighted median of :math:`h_t(x)` over the second half of the rounds run,
    :math:`\lceil N/2 \rceil \le t \le N`, with weights
    :math:`a_t = \ln(1/\beta_t)`:

    .. math::

        h_f(x) = \min\Big\{ y : \sum_{t \in H,\ h_t(x) \le y} a_t \ \ge\
                 \tfrac12 \sum_{t \in H} a_t \Big\}.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn regressor whose ``fit`` takes ``sample_weight``;
        ``None`` means ``DecisionTreeRegressor(max_depth=3)``, the weak
        learner of scikit-learn's ``AdaBoostRegressor``.
    n_estimators : int, default=20
        :math:`N`, the largest number of rounds. It also sets :math:`\beta`.
    loss : {"linear", "square", "exponential"}, default="linear"
        The adjusted error :math:`e_i^t`.
    random_state : int, RandomState instance or None, default=None
        Seeds the ``random_state`` parameters of each round's learner (a
        new seed per round); ``None`` leaves them as given.

    Attributes
    ----------
    estimators_ : list of estimator objects
        The fitted learner of each round kept.
    estimator_weights_ : ndarray of shape (n_estimators_,)
        :math:`a_t = \ln(1/\beta_t)` (from the error clipped below at
        :math:`10^{-10}`).
    estimator_errors_ : ndarray of shape (n_estimators_,)
        :math:`\varepsilon_t`, the weighted adjusted error on the labelled
        target rows.
    source_weights_ : ndarray of shape (n_estimators_, n_source)
        :math:`p^t` on the source rows, per round kept.
    target_weights_ : ndarray of shape (n_estimators_, n_labelled_target)
        :math:`p^t` on the labelled target rows.
    weights_ : ndarray of shape (n_source,)
        The source part of the normalised weights after the last update.
    beta_ : float
        :math:`\beta`, computed with :math:`N` = ``n_estimators``.
    n_estimators_ : int
        Rounds kept; fewer than ``n_estimators`` when a round's error reached
        1/2.
    estimator_ : estimator object
        The unfitted template that each round clones.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    TrAdaBoost : the classification version.
    sklearn.ensemble.AdaBoostRegressor : AdaBoost.R2 on one domain.

    Notes
    -----
    **Edge rounds.** :math:`\varepsilon_t \ge 1/2` ends the boosting and the
    round's learner is dropped, as in AdaBoost.R2 (Drucker 1997), whose
    adjusted errors TrAdaBoost.R2 uses. (:class:`TrAdaBoost` goes on instead,
    because with 0/1 losses every update puts the previous learner at a
    target error of exactly 1/2; with adjusted errors, divided by the largest
    residual over every row, no such identity holds.) When this happens in
    the first round, that learner is kept as the whole ensemble (vote 1) with
    a ``UserWarning``, as scikit-learn's ``AdaBoostRegressor`` keeps its
    first learner. :math:`\varepsilon_t = 0` is clipped to :math:`10^{-10}`
    (vote about 23; no target row had an error, so the target weights do not
    change) and boosting continues. ``beta_`` uses the ``n_estimators`` asked
    for even when boosting stops early; the vote uses the second half of the
    rounds kept.

    Only labelled rows take part; several source or target domains are
    pooled.

    Cost: ``n_estimators`` fits and predictions of the learner on the
    labelled rows, plus :math:`O(N (n + m))`; prediction sorts
    :math:`N - \lceil N/2 \rceil + 1` predictions per row.

    References
    ----------
    .. [1] D. Pardoe and P. Stone. "Boosting for Regression Transfer". ICML
       2010.
    .. [2] H. Drucker. "Improving Regressors using Boosting Techniques". ICML
       1997.
    .. [3] W. Dai, Q. Yang, G.-R. Xue and Y. Yu. "Boosting for Transfer
       Learning". ICML 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.instance import TrAdaBoostR2
    >>> from tlearn.datasets import make_domain_shift
    >>> X, y, sample_domain = make_domain_shift(
    ...     "conditional", task="regression", mask_target_labels=False, random_state=0)
    >>> target = np.flatnonzero(sample_domain < 0)
    >>> y[target[20:]] = np.nan  # keep twenty target labels
    >>> model = TrAdaBoostR2(n_estimators=10, random_state=0)
    >>> model = model.fit(X, y, sample_domain=sample_domain)
    >>> model.source_weights_.shape[1], model.predict(X[target[:3]]).shape
    (500, (3,))
    """

    _stop_at_half = True

    _parameter_constraints = {
        "estimator": [Estimator("regressor", note="TrAdaBoost is for classification"), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "loss": [Options(_LOSSES)],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, n_estimators=20, loss="linear", random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.loss = loss
        self.random_state = random_state

    def _get_estimator(self):
        return DecisionTreeRegressor(max_depth=3) if self.estimator is None else self.estimator

    def _round_loss(self, learner, X, y):
        return adjusted_errors(y, learner.predict(X), self.loss)

    def predict(self, X, sample_domain=None):
        """Weighted median of the second-half learners' predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids (validated; every row is predicted alike).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X, learners, votes = self._voters(X, sample_domain)
        return weighted_median(np.stack([h.predict(X) for h in learners]), votes)

    # A regressor has none of these (the base class would delegate them).
    predict_proba = _unavailable("predict_proba")
    predict_log_proba = _unavailable("predict_log_proba")
    decision_function = _unavailable("decision_function")
