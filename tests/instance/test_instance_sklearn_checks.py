"""scikit-learn's estimator checks on KMM and the density-ratio estimators.

Every check runs twice (see tests/_checks.py): on the estimator itself, where
checks that fit without target rows are xfailed only when they fail for that
reason; and on a test-only subclass that gives half of the rows to the target
domain, where only the failures listed below, each with its reason, may occur.
"""

from _checks import run_check, with_target_rows
from sklearn.utils.estimator_checks import parametrize_with_checks

from tlearn.instance import KLIEP, KMM, ULSIF, DiscriminativeRatio

ESTIMATORS = [
    KMM(),
    KMM(n_landmarks=8, random_state=0),
    KLIEP(random_state=0),
    KLIEP(sigma=1.0, n_centers=5, cv_criterion="normalized", random_state=0),
    ULSIF(random_state=0),
    ULSIF(sigma=[0.5, 2.0], reg=0.1, n_centers=5, random_state=0),
    DiscriminativeRatio(),
]

MINUS_ONE_IS_UNKNOWN = (
    "labels {-1, 1}: -1 marks an unknown label in tlearn and is also a source class "
    "here, which tlearn refuses to guess (docs/design.md)"
)


def failures_with_target_rows(estimator):
    return {"check_classifiers_classes": MINUS_ONE_IS_UNKNOWN}


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    run_check(check, estimator)


@parametrize_with_checks(
    [with_target_rows(type(est))(**est.get_params(deep=False)) for est in ESTIMATORS]
)
def test_sklearn_compatible_with_target_rows(estimator, check):
    run_check(check, estimator, failures_with_target_rows(estimator))
