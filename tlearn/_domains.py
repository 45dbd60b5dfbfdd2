"""The one fit signature: parsing and checking ``X``, ``y`` and ``sample_domain``.

Every tlearn estimator validates its input through :func:`check_domain_data`,
so that the same bad input gets the same clear error everywhere. The
conventions (see ``docs/design.md``):

- ``sample_domain`` holds one integer per row: non-negative ids are source
  domains (``0`` included), negative ids are target domains.
- An unknown label is ``-1`` for classification and ``NaN`` for regression
  (``NaN`` is also accepted in a float label array for classification). String
  labels mark an unknown label with ``None`` (or ``NaN``) in an object array;
  a placeholder string (``"-1"``, ``"?"``, ``""``, ...) is an error, never a
  class.
- When ``sample_domain`` is ``None`` at fit time, rows with an unknown label are
  target rows and all others source rows; at prediction time every row is a
  target row.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import validate_data

__all__ = [
    "DomainData",
    "check_domain_data",
    "check_sample_weight",
    "infer_task",
    "split_domains",
    "stack_domains",
]

#: Domain id that :func:`stack_domains` (and inference from ``y``) gives source rows.
SOURCE_ID = 1
#: Domain id that :func:`stack_domains` (and inference from ``y``) gives target rows.
TARGET_ID = -2
#: The unknown-label marker of classification.
UNKNOWN_CLASS = -1

_TASKS = ("classification", "regression")

#: What to do when a cross-validation fold leaves out what a method needs.
_CV_HINT = (
    "In cross-validation this comes from folds that hold out every such row (stacked "
    "data put the target rows last, and scikit-learn's default folds are not "
    "shuffled): use cv=tlearn.model_selection.DomainStratifiedKFold(), which keeps "
    "the unlabelled target rows and some labelled rows of every domain in every "
    "training split."
)


@dataclass(frozen=True)
class DomainData:
    """Validated rows of every domain, as returned by :func:`check_domain_data`.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The validated features.
    y : ndarray of shape (n_samples,) or None
        The labels as given (float64 for regression); unknown labels keep their
        marker. ``None`` when no labels were given.
    sample_domain : ndarray of shape (n_samples,), dtype int64
        The domain id of every row (given, or inferred).
    labeled : ndarray of shape (n_samples,), dtype bool
        Rows whose label is known (all ``False`` when ``y`` is None).
    """

    X: object
    y: object
    sample_domain: np.ndarray
    labeled: np.ndarray

    @property
    def source(self):
        """Boolean mask of the source rows (non-negative domain id)."""
        return self.sample_domain >= 0

    @property
    def target(self):
        """Boolean mask of the target rows (negative domain id)."""
        return self.sample_domain < 0

    @property
    def labeled_target(self):
        """Boolean mask of the target rows whose label is known."""
        return self.target & self.labeled


def _name(estimator):
    return type(estimator).__name__ if estimator is not None else "this function"


def infer_task(y):
    """``"regression"`` for float labels with continuous known values, else ``"classification"``.

    For code that reads the domains from ``y`` without a model to say which
    task it is (the cross-validation folds, the divergence metrics): integer,
    string and integral float labels are classes (``-1`` or ``NaN`` unknown),
    other float labels are regression targets (``NaN`` unknown).
    """
    y = np.asarray(y)
    if y.dtype.kind == "f":
        known = y[np.isfinite(y)]
        if known.size and type_of_target(known) == "continuous":
            return "regression"
    return "classification"


def _check_sample_domain(sample_domain, n_samples):
    """Return ``sample_domain`` as a 1-D int64 array of length ``n_samples``."""
    sd = np.asarray(sample_domain)
    if sd.dtype.kind not in "iu":
        raise TypeError(
            "sample_domain must hold integer domain ids (non-negative for source "
            f"domains, negative for target domains); got dtype {sd.dtype}."
        )
    if sd.ndim != 1:
        raise ValueError(f"sample_domain must be 1-D with one id per row; got shape {sd.shape}.")
    if sd.shape[0] != n_samples:
        raise ValueError(f"sample_domain has {sd.shape[0]} entries but X has {n_samples} rows.")
    return sd.astype(np.int64, copy=False)


def _as_1d_labels(y, n_samples):
    """Return ``y`` as a 1-D array, warning for a column vector as scikit-learn does."""
    if y is None:
        raise ValueError("requires y to be passed, but the target y is None.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change "
            "the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(
            f"y should be a 1d array with one label per row; got shape {y.shape} "
            "(multi-output targets are not supported)."
        )
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} rows but y has {y.shape[0]} labels.")
    return y


#: String labels that read as a placeholder for an unknown label, not as a class
#: (compared after stripping white space and ignoring case).
PLACEHOLDER_LABELS = frozenset(
    {
        "",
        "-1",
        "?",
        "??",
        "-",
        "--",
        "nan",
        "na",
        "n/a",
        "none",
        "null",
        "nil",
        "missing",
        "unknown",
        "unlabeled",
        "unlabelled",
        "unk",
        "<unk>",
        "undefined",
    }
)


def _is_missing(value):
    """Whether one entry of an object label array marks an unknown label (None, NaN, pd.NA)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except TypeError:  # pandas.NA: its comparisons are NA, whose truth is undefined
        return True


def _check_no_placeholder(y):
    """Refuse string labels that look like an unknown-label placeholder (``"-1"``, ``"?"``, ...)."""
    values = {
        v.decode(errors="replace") if isinstance(v, bytes) else str(v)
        for v in (np.unique(y) if y.dtype.kind in "US" else y)
    }
    found = sorted(v for v in values if v.strip().lower() in PLACEHOLDER_LABELS)
    if found:
        raise ValueError(
            f"y holds the string label(s) {found}, which read as a placeholder for an "
            "unknown label and would be learned as a class. With string labels, mark each "
            "unknown label with None (or NaN) in an object array, for example "
            "y = np.asarray(labels, dtype=object); y[unknown] = None (stack_domains does "
            "this when yt is None); or encode the classes as integers and mark unknown "
            "labels -1."
        )


def _unknown_mask(y, task, unknown_is_class=False):
    """Return ``(y, unknown)``: the labels (float64 for regression) and the unknown mask.

    Unknown labels are ``-1`` in a numeric array, ``NaN`` in a float array, and
    ``None`` / ``NaN`` / ``pandas.NA`` in an object array (the one way for
    string labels). With ``unknown_is_class``, ``-1`` is an ordinary class
    label and only ``NaN`` marks an unknown label.
    """
    if task == "regression":
        try:
            if y.dtype.kind == "O":
                y = np.array([np.nan if _is_missing(v) else v for v in y], dtype=object)
            if y.dtype.kind not in "biufO":
                raise TypeError
            y = y.astype(np.float64, copy=False)
        except (TypeError, ValueError):
            raise ValueError(
                f"y must be numeric for a regressor; got dtype {y.dtype} "
                "(unknown target values are NaN)."
            ) from None
        if np.isinf(y).any():
            raise ValueError("y contains infinity; unknown regression targets are NaN.")
        return y, np.isnan(y)
    if y.dtype.kind in "US":
        _check_no_placeholder(y)
        return y, np.zeros(y.shape[0], dtype=bool)
    if y.dtype.kind == "O":
        missing = np.fromiter((_is_missing(v) for v in y), dtype=bool, count=y.shape[0])
        kinds = {isinstance(v, str) for v in y[~missing]}
        if kinds == {True, False}:
            raise TypeError(
                "y mixes string labels with other values. Use one kind of label: "
                "strings (unknown labels None) or integers (unknown labels -1); "
                "sklearn.preprocessing.LabelEncoder encodes classes as integers."
            )
        if kinds == {True}:
            _check_no_placeholder(y[~missing])
            if missing.any():  # one marker (None) inside, whatever the caller used
                y = np.where(missing, None, y)
            return y, missing
        y = np.where(missing, np.nan, y).astype(np.float64)
    if y.dtype.kind == "f":
        if np.isinf(y).any():
            raise ValueError("y contains infinity.")
        unknown = np.isnan(y)
        return y, unknown if unknown_is_class else unknown | (y == UNKNOWN_CLASS)
    if y.dtype.kind in "biu":
        return y, np.zeros(y.shape[0], dtype=bool) if unknown_is_class else y == UNKNOWN_CLASS
    raise TypeError(f"y has an unsupported dtype {y.dtype} for classification.")


def _infer_domains(y, unknown, task):
    """Domain ids inferred from the labels: unknown labels are target rows."""
    # -1 (not NaN, which cannot be a class) is ambiguous when it would leave one class.
    if task == "classification" and y.dtype.kind in "biuf" and np.any(y[unknown] == UNKNOWN_CLASS):
        known = np.unique(y[~unknown])
        if known.size == 1:
            raise ValueError(
                f"Ambiguous labels: the labels are {{-1, {known[0]}}}, so -1 "
                "could be a class or the unknown-label marker. Pass sample_domain "
                "(non-negative ids for source rows, negative for target rows) so the "
                "domains need not be inferred from y == -1."
            )
    return np.where(unknown, TARGET_ID, SOURCE_ID).astype(np.int64)


def _check_target_placeholder(y, unknown, source):
    """Refuse target rows that all carry one label that no source row has.

    That is a placeholder filled in for unknown labels (``"?"``, ``999``, ...):
    learned as it is, it becomes a class of its own.
    """
    target = ~source
    if not source.any() or not target.any() or unknown[target].any():
        return
    values = np.unique(y[target])
    if values.size == 1 and not np.isin(values, y[source]).any():
        value = values[0].item() if isinstance(values[0], np.generic) else values[0]
        raise ValueError(
            f"Every target row has the label {value!r}, which no source row has: it "
            "reads as a placeholder for unknown labels and would be learned as a class. "
            "Mark unknown labels -1 (integer labels), NaN (float labels) or None (string "
            "labels in an object array)."
        )


def _labels_with_domains(y, unknown, sample_domain, task, fitting=True):
    """The known-label mask when the domains are given.

    Source rows must be labelled; there ``-1`` is an ordinary class label. On
    target rows ``-1`` / ``NaN`` marks an unknown label.
    """
    source = sample_domain >= 0
    if y.dtype.kind == "f":
        nan_source = source & np.isnan(y)
        if nan_source.any():
            raise ValueError(
                f"y is NaN on {int(nan_source.sum())} source rows: source rows must "
                "have known labels."
            )
    if task == "regression":
        return ~unknown
    if y.dtype.kind == "O":
        none_source = source & unknown
        if none_source.any():
            raise ValueError(
                f"y is None / NaN on {int(none_source.sum())} source rows: source rows "
                "must have known labels."
            )
    if fitting:  # a few rows scored later may well be of one class
        _check_target_placeholder(y, unknown, source)
    if not unknown.any():
        return np.ones_like(unknown)
    if (source & unknown).any() and (~source & unknown).any():
        raise ValueError(
            "y == -1 on target rows is ambiguous: -1 is also a class label of the "
            "source rows. Relabel the classes (for example with "
            "sklearn.preprocessing.LabelEncoder) so that -1 only marks unknown target "
            "labels."
        )
    return ~(unknown & ~source)


def check_domain_data(
    estimator,
    X,
    y=None,
    sample_domain=None,
    *,
    task="classification",
    reset=True,
    infer_domains=True,
    accept_sparse=False,
    dtype=(np.float64, np.float32),
    require_source=True,
    require_target=False,
    require_labeled_target=False,
    unknown_is_class=False,
    min_classes=2,
):
    """Validate ``X``, ``y`` and ``sample_domain``: the one validation entry point.

    Parameters
    ----------
    estimator : estimator instance or None
        The estimator being fitted or used. When given, ``X`` goes through
        :func:`sklearn.utils.validation.validate_data`, which records or checks
        ``n_features_in_`` and ``feature_names_in_`` (``reset`` says which).
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Rows of every domain, stacked.
    y : array-like of shape (n_samples,), default=None
        Labels; ``-1`` (classification) or ``NaN`` marks an unknown label.
        ``None`` at prediction time.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain id per row: ``>= 0`` source, ``< 0`` target.
    task : {"classification", "regression"}, default="classification"
        How to read ``y``.
    reset : bool, default=True
        ``True`` in ``fit``; ``False`` in prediction methods.
    infer_domains : bool, default=True
        When ``sample_domain`` is None: ``True`` (fit) infers the domains from
        unknown labels; ``False`` (prediction, scoring) makes every row a
        target row.
    accept_sparse : bool or str or list of str, default=False
        Passed to scikit-learn's validation.
    dtype : dtype, tuple of dtypes, "numeric" or None, default=(float64, float32)
        Passed to scikit-learn's validation.
    require_source, require_target, require_labeled_target : bool
        Raise a ``ValueError`` naming the estimator when the data have no
        labelled source row, no target row, or no labelled target row.
    unknown_is_class : bool, default=False
        Read ``-1`` as a class label rather than the unknown-label marker (for
        scoring an estimator that learned ``-1`` as a class).
    min_classes : int, default=2
        Classification at fit time: the fewest classes the labelled rows may
        hold. A parameter-based model whose prior is given brings the other
        classes itself, so it may pass ``1``.

    Returns
    -------
    data : DomainData
        The validated arrays and the masks of source, target and labelled rows.
    """
    if task not in _TASKS:
        raise ValueError(f"task must be one of {_TASKS}; got {task!r}.")
    check_params = dict(accept_sparse=accept_sparse, dtype=dtype, ensure_min_samples=1)
    if estimator is not None:
        X = validate_data(estimator, X, reset=reset, **check_params)
    else:
        X = check_array(X, input_name="X", **check_params)
    n_samples = X.shape[0]

    if y is None:
        if reset:
            raise ValueError(
                f"{_name(estimator)} requires y to be passed, but the target y is None."
            )
        if sample_domain is None:
            sd = np.full(n_samples, TARGET_ID, dtype=np.int64)
        else:
            sd = _check_sample_domain(sample_domain, n_samples)
        return DomainData(X, None, sd, np.zeros(n_samples, dtype=bool))

    y = _as_1d_labels(y, n_samples)
    y, unknown = _unknown_mask(y, task, unknown_is_class)
    if sample_domain is None:
        if infer_domains:
            sd = _infer_domains(y, unknown, task)
        else:
            sd = np.full(n_samples, TARGET_ID, dtype=np.int64)
        labeled = ~unknown
    else:
        sd = _check_sample_domain(sample_domain, n_samples)
        labeled = _labels_with_domains(y, unknown, sd, task, fitting=reset)

    data = DomainData(X, y, sd, labeled)
    if not labeled.any():
        raise ValueError(
            "Every label is unknown (-1 for classification, NaN for regression, None "
            "for string labels): "
            f"{_name(estimator)} needs labelled rows."
        )
    if task == "classification":
        check_classification_targets(y[labeled])
        classes = np.unique(y[labeled])
        if reset and classes.size < min_classes:
            raise ValueError(
                f"{_name(estimator)} needs labelled rows of at least 2 classes; got 1 "
                f"class ({classes[0]})."
            )
    if require_source and not (data.source & labeled).any():
        raise ValueError(
            f"No labelled source rows: {_name(estimator)} needs source rows "
            "(sample_domain >= 0, or known labels when sample_domain is None)."
        )
    if require_target and not data.target.any():
        raise ValueError(
            f"No target rows: {_name(estimator)} needs target rows (sample_domain < 0, "
            "or unknown labels -1 / NaN when sample_domain is None). " + _CV_HINT
        )
    if require_labeled_target and not data.labeled_target.any():
        raise ValueError(
            f"No labelled target rows: {_name(estimator)} needs a few target rows "
            "with known labels (sample_domain < 0 and a label other than -1 / NaN). " + _CV_HINT
        )
    return data


def check_sample_weight(sample_weight, n_samples):
    """Return ``sample_weight`` as a 1-D float64 array of ``n_samples`` finite weights >= 0."""
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must be numeric; got dtype {w.dtype}.")
    w = w.astype(np.float64)
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per row; got {w.shape}."
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    return w


def _check_label_array(y, n_rows, name):
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_rows:
        raise ValueError(f"{name} must be 1-D with {n_rows} labels; got shape {y.shape}.")
    return y


def stack_domains(Xs, ys, Xt, yt=None):
    """Stack source and target arrays into ``(X, y, sample_domain)``.

    Source rows get domain id ``1`` and target rows ``-2`` (SKADA's
    convention); with lists of arrays, the sources get ids ``1, 2, ...`` and
    the targets ``-2, -3, ...``. Without ``yt`` the target labels are
    unknown: ``-1`` when the source labels are integers, ``NaN`` when they are
    floats (regression targets, or classes stored as floats), and ``None``
    when they are strings (``y`` is then an object array).

    Parameters
    ----------
    Xs : array-like of shape (n_source, n_features), or a list of them
        Source rows.
    ys : array-like of shape (n_source,), or a list of them
        Source labels.
    Xt : array-like of shape (n_target, n_features), or a list of them
        Target rows.
    yt : array-like of shape (n_target,), or a list of them, default=None
        Target labels, where some are known (unknown ones marked ``-1`` or
        ``NaN``).

    Returns
    -------
    X : ndarray of shape (n_source + n_target, n_features)
    y : ndarray of shape (n_source + n_target,)
    sample_domain : ndarray of shape (n_source + n_target,), dtype int64

    See Also
    --------
    split_domains : the inverse.

    Notes
    -----
    The ids follow SKADA's convention (``>= 0`` source, ``< 0`` target), so
    arrays stacked here also work with SKADA's estimators, and the reverse.

    Cost: one copy of every row, :math:`O(n d)` time and memory for :math:`n`
    rows of :math:`d` features.

    References
    ----------
    .. [1] T. Gnassounou, O. Kachaiev, R. Flamary, A. Collas, Y. Lalou,
       A. de Mathelin, A. Gramfort, R. Bueno, F. Michel, A. Mellot, V. Loison,
       A. Odonnat and T. Moreau, "SKADA: Scikit Adaptation", 2024.
       https://scikit-adaptation.github.io/

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn import stack_domains
    >>> X, y, sample_domain = stack_domains(np.zeros((2, 3)), [0, 1], np.ones((1, 3)))
    >>> y.tolist(), sample_domain.tolist()
    ([0, 1, -1], [1, 1, -2])
    """
    several_sources = _is_block_list(Xs)
    several_targets = _is_block_list(Xt)
    Xs_list = list(Xs) if several_sources else [Xs]
    ys_list = list(ys) if several_sources else [ys]
    Xt_list = list(Xt) if several_targets else [Xt]
    if yt is None:
        yt_list = [None] * len(Xt_list)
    else:
        yt_list = list(yt) if several_targets else [yt]
    if len(ys_list) != len(Xs_list):
        raise ValueError(
            f"Got {len(Xs_list)} source feature arrays but {len(ys_list)} label arrays."
        )
    if len(yt_list) != len(Xt_list):
        raise ValueError(
            f"Got {len(Xt_list)} target feature arrays but {len(yt_list)} label arrays."
        )

    blocks = []
    for i, X in enumerate(Xs_list + Xt_list):
        name = f"Xs[{i}]" if i < len(Xs_list) else f"Xt[{i - len(Xs_list)}]"
        blocks.append(check_array(X, input_name=name, dtype="numeric", ensure_min_samples=1))
    n_features = {b.shape[1] for b in blocks}
    if len(n_features) > 1:
        counts = ", ".join(str(b.shape[1]) for b in blocks)
        raise ValueError(
            "The domains have different numbers of features (source then target: "
            f"{counts}); every domain must share one feature space."
        )
    n_src = len(Xs_list)
    ys_list = [_check_label_array(y, b.shape[0], "ys") for y, b in zip(ys_list, blocks[:n_src])]
    y_src = np.concatenate(ys_list)
    # Float labels (regression, or classes stored as floats) get NaN, which
    # cannot collide with a real value; integer labels get -1; string labels
    # become an object array whose unknown labels are None.
    strings = y_src.dtype.kind in "USO"
    marker = np.nan if y_src.dtype.kind == "f" else None if strings else UNKNOWN_CLASS
    yt_full = []
    for y, b in zip(yt_list, blocks[n_src:]):
        if y is None:
            yt_full.append(np.full(b.shape[0], marker, dtype=object if strings else None))
        else:
            yt_full.append(_check_label_array(y, b.shape[0], "yt"))
    if strings:
        ys_list = [y.astype(object) for y in ys_list]
        yt_full = [y.astype(object) for y in yt_full]
    y_out = np.concatenate(ys_list + yt_full)

    ids = list(range(SOURCE_ID, SOURCE_ID + n_src))
    ids += list(range(TARGET_ID, TARGET_ID - len(Xt_list), -1))
    sample_domain = np.concatenate(
        [np.full(b.shape[0], i, dtype=np.int64) for i, b in zip(ids, blocks)]
    )
    return np.concatenate(blocks), y_out, sample_domain


def _is_block_list(obj):
    """Whether ``obj`` is a list or tuple of 2-D blocks (several domains), not one array."""
    if not isinstance(obj, (list, tuple)) or len(obj) == 0:
        return False
    try:
        return all(np.ndim(block) == 2 for block in obj)
    except ValueError:  # ragged rows: let check_array report it
        return False


def split_domains(X, y, sample_domain=None):
    """Split stacked rows into source and target parts.

    The inverse of :func:`stack_domains` for one source and one target
    domain: with several, every source row goes to the source part and every
    target row to the target part, each in its original order.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Rows of every domain, stacked.
    y : array-like of shape (n_samples,)
        Labels (unknown ones marked ``-1`` or ``NaN``).
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain ids; ``None`` infers them from unknown labels as ``fit`` does.

    Returns
    -------
    Xs, ys, Xt, yt : ndarrays
        Source rows and labels, then target rows and labels.

    See Also
    --------
    stack_domains : the inverse.

    Notes
    -----
    Cost: one copy of every row, :math:`O(n d)` time and memory.

    References
    ----------
    .. [1] T. Gnassounou, O. Kachaiev, R. Flamary, A. Collas, Y. Lalou,
       A. de Mathelin, A. Gramfort, R. Bueno, F. Michel, A. Mellot, V. Loison,
       A. Odonnat and T. Moreau, "SKADA: Scikit Adaptation", 2024.
       https://scikit-adaptation.github.io/

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn import split_domains
    >>> Xs, ys, Xt, yt = split_domains(np.arange(6).reshape(3, 2), [0, 1, -1])
    >>> Xs.shape, Xt.shape, yt.tolist()
    ((2, 2), (1, 2), [-1])
    """
    X = check_array(X, input_name="X", dtype=None, ensure_all_finite=False)
    y = _as_1d_labels(y, X.shape[0])
    if sample_domain is None:
        task = "regression" if y.dtype.kind == "f" and np.isnan(y).any() else "classification"
        y_checked, unknown = _unknown_mask(y, task)
        sd = _infer_domains(y_checked, unknown, task)
    else:
        sd = _check_sample_domain(sample_domain, X.shape[0])
    source = sd >= 0
    return X[source], y[source], X[~source], y[~source]
