"""Session settings for every test and doctest (``tests/`` and the package's docstrings).

The BLAS/OpenMP pools are limited to one thread for the whole session: the tests fit
small arrays, where threaded BLAS only adds synchronisation (a tiny LogisticRegression fit
took 16x longer with two threads than with one on a busy 2-core machine), and one thread
gives the same floating-point sums from run to run. A test that needs threads raises the
limit itself with ``threadpoolctl.threadpool_limits``.
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    with threadpool_limits(limits=1):
        yield
