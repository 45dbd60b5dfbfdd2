"""scikit-learn's estimator checks on the parameter-based estimators.

Every check runs twice (see tests/_checks.py). On the estimator itself, the
checks' ``fit(X, y)`` makes every row a source row, and the shared prior
needs labelled target rows: such checks are xfailed only when they fail with
the "No target rows" error. On a test-only subclass whose ``fit`` gives every
other row (with its label) to the target domain, only the failures listed
below, each with its reason, may occur.
"""

from _checks import run_check, with_target_rows
from sklearn.utils.estimator_checks import parametrize_with_checks

from tlearn.parameter import SharedPriorLogisticRegression, SharedPriorRidge

ESTIMATORS = [
    SharedPriorLogisticRegression(),
    SharedPriorLogisticRegression(0.1, alpha=0.1, penalize_intercept=True),
    SharedPriorRidge(),
]

MINUS_ONE_IS_UNKNOWN = (
    "labels {-1, 1}: -1 marks an unknown label in tlearn and is also a source class "
    "here, which tlearn refuses to guess (docs/design.md)"
)

DOMAINS_BY_POSITION = (
    "the test subclass gives rows to domains by the parity of their position, and "
    "the check repeats rows (weighted fit) or shuffles them (repeated fit), so copies "
    "of one row land in different domains; test_shared_prior*.py check weights "
    "against repetition with domains that follow the rows, on this check's data"
)


def failures_with_target_rows(estimator):
    failures = {"check_sample_weight_equivalence_on_dense_data": DOMAINS_BY_POSITION}
    if isinstance(estimator, SharedPriorLogisticRegression):
        failures["check_classifiers_classes"] = MINUS_ONE_IS_UNKNOWN
    return failures


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    run_check(check, estimator)


@parametrize_with_checks(
    [with_target_rows(type(est))(**est.get_params(deep=False)) for est in ESTIMATORS]
)
def test_sklearn_compatible_with_target_rows(estimator, check):
    run_check(check, estimator, failures_with_target_rows(estimator))
