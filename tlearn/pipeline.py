"""Pipelines whose final step never learns the unknown-label marker.

A tlearn transformer (``TCA``, ``CORAL``, ``SubspaceAlignment``) in the middle
of a plain scikit-learn ``Pipeline`` hands the final step the same ``y`` it
got: target rows still marked unknown (``-1``, ``NaN`` or ``None``). A plain
scikit-learn classifier there would learn ``-1`` as a class, so tlearn
refuses that form with an error. :func:`make_pipeline` builds the supported
form: the final step, when it is a plain scikit-learn predictor, is wrapped
in :class:`~tlearn.baselines.Pooled`, which fits it on the rows whose label
is known (every labelled row, source and target).
"""

from sklearn import pipeline as _sk_pipeline

from .base import _learns_unknown_marker
from .baselines import Pooled

__all__ = ["make_pipeline"]


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a scikit-learn ``Pipeline`` whose final step fits on the labelled rows only.

    Like :func:`sklearn.pipeline.make_pipeline` (the steps are named after
    their classes), except that a final step that would learn the
    unknown-label marker as a class, a plain scikit-learn classifier or
    regressor, is wrapped in :class:`~tlearn.baselines.Pooled`. A final tlearn
    estimator, an unsupervised transformer, ``"passthrough"`` and
    scikit-learn's semi-supervised estimators (which read ``-1`` as
    unlabelled) are kept as they are.

    Parameters
    ----------
    *steps : list of estimators
        The steps, in order, as for :func:`sklearn.pipeline.make_pipeline`.
    memory : str or object with the joblib.Memory interface, default=None
        Passed to :class:`sklearn.pipeline.Pipeline`.
    transform_input : list of str, default=None
        Passed to :class:`sklearn.pipeline.Pipeline` (metadata routing only).
    verbose : bool, default=False
        Passed to :class:`sklearn.pipeline.Pipeline`.

    Returns
    -------
    pipe : sklearn.pipeline.Pipeline
        A plain scikit-learn Pipeline; the final step's name is ``"pooled"``
        when it was wrapped, and the wrapped estimator's parameters are
        reached as ``pooled__estimator__<name>``.

    See Also
    --------
    tlearn.baselines.Pooled : fit an estimator on every labelled row.

    Notes
    -----
    The pipeline predicts as the plain one would: each step maps the rows
    (as target rows, unless ``sample_domain`` is routed), and the final
    estimator predicts. Without labelled target rows, the final step is fitted
    on the adapted source rows, exactly as ``TCA(LogisticRegression())`` fits
    its estimator.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.feature import TCA
    >>> from tlearn.pipeline import make_pipeline
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> pipe = make_pipeline(StandardScaler(), TCA(n_components=2), LogisticRegression())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'tca', 'pooled']
    >>> pipe.fit(X, y).classes_  # the -1 of the target rows is not a class
    array([0, 1])
    """
    if not steps:
        raise ValueError("make_pipeline needs at least one step.")
    steps = list(steps)
    if len(steps) > 1 and _learns_unknown_marker(steps[-1]):
        steps[-1] = Pooled(steps[-1])
    return _sk_pipeline.make_pipeline(
        *steps, memory=memory, transform_input=transform_input, verbose=verbose
    )
