"""scikit-learn's estimator checks on TransferGuard, run as tests/feature/ runs them.

The guard needs target rows, so the checks run on the guard itself (a check that fits
without target rows is xfailed only for that reason) and on the test-only subclass that
makes half of the rows target rows (tests/_checks.py). One candidate and two folds
keep them quick.
"""

from _checks import run_check, with_target_rows
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from tlearn.feature import CORAL
from tlearn.model_selection import TransferGuard

ESTIMATORS = [
    TransferGuard(LogisticRegression(), candidates=[("CORAL", CORAL())], cv=2, random_state=0),
    TransferGuard(Ridge(), candidates=[("CORAL", CORAL())], cv=2, random_state=0),
]
MINUS_ONE_IS_UNKNOWN = (
    "labels {-1, 1}: -1 marks an unknown label in tlearn and is also a source class "
    "here, which tlearn refuses to guess (docs/design.md)"
)


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    run_check(check, estimator)


@parametrize_with_checks(
    [with_target_rows(type(est))(**est.get_params(deep=False)) for est in ESTIMATORS]
)
def test_sklearn_compatible_with_target_rows(estimator, check):
    failures = {}
    if estimator._task() == "classification":
        failures["check_classifiers_classes"] = MINUS_ONE_IS_UNKNOWN
    run_check(check, estimator, failures)
