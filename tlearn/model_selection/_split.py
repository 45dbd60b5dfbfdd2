"""Cross-validation folds for stacked domains (:class:`DomainStratifiedKFold`)."""

from numbers import Integral

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state

from .._domains import _as_1d_labels, _check_sample_domain, _infer_domains, _unknown_mask
from .._domains import infer_task as _task_of
from .._params import Interval, validate_params

__all__ = ["DomainStratifiedKFold"]


class DomainStratifiedKFold(BaseCrossValidator):
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
        n_samples = len(X) if not hasattr(X, "shape") else X.shape[0]
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
