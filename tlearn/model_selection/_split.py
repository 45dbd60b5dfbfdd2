"""Cross-validation folds for stacked domains.

- :class:`DomainStratifiedKFold`: k-fold over the labelled rows, unlabelled rows train;
- :class:`SourceShuffleSplit`, :class:`LeaveOneSourceDomainOut`: validation rows from
  the source domains only, every target row (unlabelled) in every training and test
  split, for the label-free scorers of :mod:`tlearn.model_selection`.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state

from .._domains import _as_1d_labels, _check_sample_domain, _infer_domains, _unknown_mask
from .._domains import infer_task as _task_of
from .._params import Interval, validate_params

__all__ = ["DomainStratifiedKFold", "LeaveOneSourceDomainOut", "SourceShuffleSplit"]


def _n_rows(X):
    return len(X) if not hasattr(X, "shape") else X.shape[0]


def _read_domains(X, y, groups, sample_domain):
    """``(y, task, unknown, sd)``: labels, task, unknown-label mask and domain ids of the rows.

    The domains come from ``sample_domain``, else from ``groups``, else are
    inferred from ``y`` as ``fit`` infers them (unknown labels are target rows).
    """
    n_samples = _n_rows(X)
    y = _as_1d_labels(y, n_samples)
    task = _task_of(y)
    y, unknown = _unknown_mask(y, task)
    domains = sample_domain if sample_domain is not None else groups
    if domains is None:
        sd = _infer_domains(y, unknown, task)
    else:
        sd = _check_sample_domain(domains, n_samples)
        # on source rows -1 is a class label; only target rows can be unlabelled
        if task == "classification":
            unknown = unknown & (sd < 0)
    return y, task, unknown, sd


class _NSplits(BaseCrossValidator):
    """A splitter whose number of folds is its ``n_splits``; ``sample_domain`` is requested."""

    __metadata_request__split = {"sample_domain": True}

    def get_n_splits(self, X=None, y=None, groups=None, sample_domain=None):
        """Number of folds: ``n_splits``.

        Parameters
        ----------
        X, y, groups, sample_domain : object
            Ignored; present for the scikit-learn API.

        Returns
        -------
        n_splits : int
        """
        validate_params(self)
        return self.n_splits


class DomainStratifiedKFold(_NSplits):
    """K-fold over the labelled rows, stratified by domain and class; unlabelled rows train.

    scikit-learn's default folds (``KFold``, ``StratifiedKFold``; not shuffled)
    cut stacked data in order. Stacked data put the target rows last, so a
    fold can hold out every target row, or every labelled target row: an
    unsupervised method then has no target row to adapt to, and a few-label
    method (TrAdaBoost, the shared prior) no target label to learn from, and
    the fit fails (``GridSearchCV`` records ``NaN`` for it). These folds keep
    what every method needs in every training split:

    - every row with an unknown label (the unlabelled target rows) is in every
      training split and in no test split: it has nothing to score, and the
      methods adapt to it;
    - the labelled rows are dealt into ``n_splits`` folds domain by domain and,
      within a domain, class by class (a stratum; the domain alone for
      regression), one row to each fold in turn, carrying on from stratum to
      stratum; so each domain's labelled rows spread evenly over as many folds
      as they can (fold counts differ by at most one), each class within a
      domain likewise, and a target domain with at least two labelled rows
      keeps one in every training split.

    The test split of each fold is one fold of the labelled rows; tlearn's
    ``score`` reads the rows with known labels only.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=True
        Shuffle the rows of each stratum (and the order of the strata) before
        dealing them. ``False`` deals them in their order.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle; pass an int for the same folds on every call.

    See Also
    --------
    sklearn.model_selection.StratifiedKFold : stratified by class only, and in order.

    Notes
    -----
    The domain ids are read from ``sample_domain`` (routed to ``split`` when
    scikit-learn's metadata routing is enabled), else from ``groups`` (pass
    the domain ids there when routing is off: ``search.fit(X, y,
    groups=sample_domain, sample_domain=sample_domain)``), else inferred as
    ``fit`` infers them: rows with an unknown label are target rows. Labelled
    target rows can only be told from source rows through the domain ids, so
    few-label methods need them.

    A target domain with exactly one labelled row cannot keep it in every
    training split: ``split`` raises a ``ValueError`` rather than give a fold
    whose fit must fail.

    Cost: :math:`O(n \\log n)` time for :math:`n` rows.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.model_selection import DomainStratifiedKFold
    >>> y = np.array([0, 1, 0, 1, 0, 1, 0, 1, -1, -1])
    >>> sample_domain = np.array([1, 1, 1, 1, 1, 1, -2, -2, -2, -2])
    >>> cv = DomainStratifiedKFold(n_splits=2, random_state=0)
    >>> for train, test in cv.split(np.zeros((10, 1)), y, sample_domain=sample_domain):
    ...     print(sorted(set(train) & {6, 7}), sorted(set(train) & {8, 9}), len(test))
    [6] [8, 9] 4
    [7] [8, 9] 4
    """

    __metadata_request__split = {"sample_domain": True}
    _parameter_constraints = {
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, n_splits=5, *, shuffle=True, random_state=None):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, X, y, groups=None, sample_domain=None):
        """Yield ``(train, test)`` row indices, one pair per fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of every domain, stacked (only their number is used).
        y : array-like of shape (n_samples,)
            Labels; ``-1`` / ``NaN`` / ``None`` marks an unknown label.
        groups : array-like of int of shape (n_samples,), default=None
            Domain ids, read when ``sample_domain`` is None.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids: ``>= 0`` source, ``< 0`` target.

        Yields
        ------
        train, test : ndarray of int
            Indices of the training and the test rows of one fold.
        """
        validate_params(self)
        y, task, unknown, sd = _read_domains(X, y, groups, sample_domain)
        labeled = np.flatnonzero(~unknown)
        if labeled.size < self.n_splits:
            raise ValueError(
                f"Cannot make {self.n_splits} folds from {labeled.size} labelled rows: "
                "each test split needs at least one labelled row."
            )
        for domain in np.unique(sd[labeled][sd[labeled] < 0]):
            n_labeled = int(np.sum(sd[labeled] == domain))
            if n_labeled == 1:
                raise ValueError(
                    f"Target domain {domain} has a single labelled row, which one fold must "
                    "hold out: its training split would have no labelled target row. Label "
                    "at least two target rows, or fit without the target label."
                )

        fold = self._deal(labeled, y, sd, task)
        unlabeled = np.flatnonzero(unknown)
        for k in range(self.n_splits):
            test = np.sort(labeled[fold == k])
            train = np.sort(np.concatenate([labeled[fold != k], unlabeled]))
            yield train, test

    def _deal(self, labeled, y, sd, task):
        """Fold number of each labelled row: each domain's strata dealt one row per fold in turn."""
        rng = check_random_state(self.random_state)
        domains = sd[labeled]
        if task == "classification":
            classes = np.unique(y[labeled].astype(str), return_inverse=True)[1].ravel()
        else:
            classes = np.zeros(labeled.size, dtype=np.int64)
        fold = np.empty(labeled.size, dtype=np.int64)
        start = 0  # carried from stratum to stratum and domain to domain: balanced folds
        for domain in np.unique(domains):
            in_domain = domains == domain
            strata = np.unique(classes[in_domain])
            if self.shuffle:
                strata = rng.permutation(strata)
            for stratum in strata:
                rows = np.flatnonzero(in_domain & (classes == stratum))
                if self.shuffle:
                    rows = rng.permutation(rows)
                fold[rows] = (start + np.arange(rows.size)) % self.n_splits
                start += rows.size
        return fold


def _source_and_target(X, y, groups, sample_domain):
    """``(classes, sd)``: the stratum of every row (``None`` for regression) and its domain."""
    if y is None and (sample_domain is not None or groups is not None):
        domains = sample_domain if sample_domain is not None else groups
        return None, _check_sample_domain(domains, _n_rows(X))
    y, task, _, sd = _read_domains(X, y, groups, sample_domain)
    if task == "regression":
        return None, sd
    return np.unique(y.astype(str), return_inverse=True)[1].ravel(), sd


def _allocate(counts, n_draw, rng):
    """Split ``n_draw`` over strata of sizes ``counts`` in proportion (largest remainders).

    Each stratum gets the floor of its exact share, and the rows left over go to
    the strata with the largest fractional parts (ties broken at random).
    """
    exact = n_draw * counts / counts.sum()
    share = np.floor(exact).astype(np.int64)
    left = int(n_draw - share.sum())
    if left:
        order = np.lexsort((rng.permutation(counts.size), -(exact - share)))
        share[order[:left]] += 1
    return np.minimum(share, counts)


class SourceShuffleSplit(_NSplits):
    """Random validation rows of every source domain; every target row trains and tests.

    Each fold draws ``test_size`` of every source domain's rows (at least one,
    and at least one left to train on), stratified by class for
    classification, as that fold's validation rows. Then

    - ``train`` = the other source rows + **every** target row;
    - ``test`` = the validation source rows + **every** target row.

    The target rows are in both splits on purpose: they are unlabelled for
    the methods, which adapt to them when fitting, and the label-free scorers
    (:class:`ImportanceWeightedScorer`, :class:`DeepEmbeddedValidationScorer`,
    :class:`PredictionEntropyScorer`, ...) need them at scoring time to
    estimate the target risk. No scorer of :mod:`tlearn.model_selection`
    reads a target label, and a tlearn estimator's ``fit`` reads no
    target label either when the target rows are marked unknown (``-1`` /
    ``NaN`` / ``None``). Labelled target rows (for few-label methods) are
    target rows too: they are in every split, so a scorer that read their
    labels (a tlearn estimator's own ``score``, say) would be scored on
    rows it was fitted on. Use these folds with the label-free scorers.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds (independent draws), at least 1.
    test_size : float, default=0.2
        Share of every source domain's rows drawn as validation rows, in
        ``(0, 1)``: ``ceil(test_size * n_d)`` rows of a domain of ``n_d``
        rows, spread over its classes in proportion to their counts.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws; pass an int for the same folds on every call.

    See Also
    --------
    LeaveOneSourceDomainOut : one fold per source domain.
    DomainStratifiedKFold : k-fold over the labelled rows, for supervised scores.

    Notes
    -----
    The domain ids are read from ``sample_domain`` (routed to ``split`` when
    scikit-learn's metadata routing is enabled), else from ``groups``, else
    inferred from ``y`` as ``fit`` infers them (rows with an unknown label are
    target rows). A source domain with fewer than 2 rows (or with so few that
    ``ceil(test_size * n_d)`` leaves none to train on) is a ``ValueError``, and
    so are data without a target row.

    Cost: :math:`O(n)` time per fold for :math:`n` rows.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.model_selection import SourceShuffleSplit
    >>> y = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, -1, -1])
    >>> sample_domain = np.array([1] * 10 + [-2] * 2)
    >>> cv = SourceShuffleSplit(n_splits=2, test_size=0.2, random_state=0)
    >>> for train, test in cv.split(np.zeros((12, 1)), y, sample_domain=sample_domain):
    ...     print(len(train), len(test), sorted(set(test) & {10, 11}), sorted(y[test[:2]].tolist()))
    10 4 [10, 11] [0, 1]
    10 4 [10, 11] [0, 1]
    """

    __metadata_request__split = {"sample_domain": True}
    _parameter_constraints = {
        "n_splits": [Interval(Integral, 1, None, closed="left")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_splits=5, *, test_size=0.2, random_state=None):
        self.n_splits = n_splits
        self.test_size = test_size
        self.random_state = random_state

    def split(self, X, y, groups=None, sample_domain=None):
        """Yield ``(train, test)`` row indices, one pair per fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of every domain, stacked (only their number is used).
        y : array-like of shape (n_samples,)
            Labels; ``-1`` / ``NaN`` / ``None`` marks an unknown label. Read
            to stratify the source rows by class, and to infer the domains
            when neither ``sample_domain`` nor ``groups`` is given.
        groups : array-like of int of shape (n_samples,), default=None
            Domain ids, read when ``sample_domain`` is None.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids: ``>= 0`` source, ``< 0`` target.

        Yields
        ------
        train, test : ndarray of int
            Indices of the training and the test rows of one fold; both hold
            every target row.
        """
        validate_params(self)
        classes, sd = _source_and_target(X, y, groups, sample_domain)
        target = np.flatnonzero(sd < 0)
        if target.size == 0:
            raise ValueError(
                "SourceShuffleSplit: no target rows (sample_domain < 0, or unknown labels "
                "when sample_domain is None); the label-free scorers need them."
            )
        if classes is None:
            classes = np.zeros(sd.size, dtype=np.int64)
        plan = []
        for domain in np.unique(sd[sd >= 0]):
            rows = np.flatnonzero(sd == domain)
            n_val = int(np.ceil(self.test_size * rows.size))
            if rows.size - n_val < 1:
                raise ValueError(
                    f"SourceShuffleSplit: source domain {domain} has {rows.size} row(s), too "
                    f"few to hold out test_size={self.test_size} of them (at least one "
                    "validation row) and keep at least one to train on."
                )
            strata, counts = np.unique(classes[rows], return_counts=True)
            plan.append((rows, strata, counts, n_val))
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            validation = []
            for rows, strata, counts, n_val in plan:
                share = _allocate(counts, n_val, rng)
                for stratum, k in zip(strata, share):
                    in_stratum = rows[classes[rows] == stratum]
                    validation.append(rng.permutation(in_stratum)[:k])
            validation = np.concatenate(validation)
            source_train = np.setdiff1d(np.flatnonzero(sd >= 0), validation)
            yield (
                np.sort(np.concatenate([source_train, target])),
                np.sort(np.concatenate([validation, target])),
            )


class LeaveOneSourceDomainOut(BaseCrossValidator):
    """One fold per source domain, held out for validation; every target row trains and tests.

    With source domains :math:`d_1, \\dots, d_K` (:math:`K \\ge 2`), fold
    :math:`k` has

    - ``train`` = the rows of every source domain but :math:`d_k` + **every**
      target row;
    - ``test`` = the rows of :math:`d_k` + **every** target row.

    As with :class:`SourceShuffleSplit`, the target rows are unlabelled for
    the methods and in both splits, for the label-free scorers (which read no
    target label). Holding out a whole source domain asks how well a
    method does on a domain it was not fitted on, which is the question
    the target domain asks too.

    See Also
    --------
    SourceShuffleSplit : random validation rows of every source domain.
    sklearn.model_selection.LeaveOneGroupOut : the same over any groups.

    Notes
    -----
    The domain ids are read from ``sample_domain`` (routed to ``split`` and
    ``get_n_splits`` when scikit-learn's metadata routing is enabled), else
    from ``groups``, else inferred from ``y`` (which gives a single source
    domain, so an error). Fewer than 2 source domains, or no target row, is
    a ``ValueError``. The folds follow the source ids in increasing order.

    Cost: :math:`O(n K)` time for :math:`n` rows and :math:`K` source domains.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.model_selection import LeaveOneSourceDomainOut
    >>> sample_domain = np.array([0, 0, 1, 1, 2, -2, -2])
    >>> cv = LeaveOneSourceDomainOut()
    >>> cv.get_n_splits(sample_domain=sample_domain)
    3
    >>> for train, test in cv.split(np.zeros((7, 1)), None, sample_domain=sample_domain):
    ...     print(train.tolist(), test.tolist())
    [2, 3, 4, 5, 6] [0, 1, 5, 6]
    [0, 1, 4, 5, 6] [2, 3, 5, 6]
    [0, 1, 2, 3, 5, 6] [4, 5, 6]
    """

    __metadata_request__split = {"sample_domain": True}
    _parameter_constraints = {}

    def _domains(self, X, y, groups, sample_domain):
        if X is None and y is None and sample_domain is None and groups is None:
            raise ValueError(
                "LeaveOneSourceDomainOut needs the domains: pass sample_domain (or the "
                "domain ids as groups)."
            )
        if X is None:
            X = sample_domain if sample_domain is not None else groups if groups is not None else y
        _, sd = _source_and_target(X, y, groups, sample_domain)
        sources = np.unique(sd[sd >= 0])
        if sources.size < 2:
            raise ValueError(
                f"LeaveOneSourceDomainOut needs at least 2 source domains; got {sources.size}. "
                "Pass sample_domain (or groups) with one non-negative id per source domain, "
                "or use SourceShuffleSplit."
            )
        if not np.any(sd < 0):
            raise ValueError(
                "LeaveOneSourceDomainOut: no target rows (sample_domain < 0); the label-free "
                "scorers need them."
            )
        return sd, sources

    def get_n_splits(self, X=None, y=None, groups=None, sample_domain=None):
        """Number of folds: the number of source domains.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), default=None
            Only its number of rows is used.
        y : array-like of shape (n_samples,), default=None
            Labels, to infer the domains when neither ``sample_domain`` nor
            ``groups`` is given.
        groups : array-like of int of shape (n_samples,), default=None
            Domain ids, read when ``sample_domain`` is None.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids: ``>= 0`` source, ``< 0`` target.

        Returns
        -------
        n_splits : int
        """
        validate_params(self)
        return int(self._domains(X, y, groups, sample_domain)[1].size)

    def split(self, X, y=None, groups=None, sample_domain=None):
        """Yield ``(train, test)`` row indices, one pair per source domain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of every domain, stacked (only their number is used).
        y : array-like of shape (n_samples,), default=None
            Labels, to infer the domains when neither ``sample_domain`` nor
            ``groups`` is given.
        groups : array-like of int of shape (n_samples,), default=None
            Domain ids, read when ``sample_domain`` is None.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids: ``>= 0`` source, ``< 0`` target.

        Yields
        ------
        train, test : ndarray of int
            Indices of the training and the test rows of one fold; both hold
            every target row.
        """
        validate_params(self)
        sd, sources = self._domains(X, y, groups, sample_domain)
        target = sd < 0
        for domain in sources:
            held_out = sd == domain
            yield np.flatnonzero(~held_out), np.flatnonzero(held_out | target)
