"""scikit-learn's estimator checks on the feature-based estimators.

Checks that fit without target rows cannot apply to these methods; the
``run_check`` fixture (tests/conftest.py) xfails exactly those and fails on
any other error.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from tlearn.feature import CORAL, SubspaceAlignment


@parametrize_with_checks([CORAL(), CORAL(covariance="oas"), SubspaceAlignment(n_components=1)])
def test_sklearn_compatible(estimator, check, run_check):
    run_check(check, estimator)
