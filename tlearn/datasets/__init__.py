"""Data sets: seeded domain-shift generators and benchmark loaders.

The loaders download into the data home (``TLEARN_DATA_HOME``, else
``~/tlearn_data``) from the public origins of each file, or from a mirror
(``TLEARN_DATA_MIRROR``), verify the SHA-256 of every file and never unpickle.
With no network, :func:`data_files` lists the files to fetch by hand and
where they go. :func:`load_office_caltech10` reads the copy of Office-Caltech-10 (SURF) that
ships inside the package, with no download.
"""

from ._base import ChecksumError, DatasetUnavailableError, get_data_home
from ._files import DataFile, data_files
from ._loaders import fetch_amazon_review, fetch_office_caltech10, load_office_caltech10
from ._office31 import fetch_office31
from ._shift import make_domain_shift

__all__ = [
    "ChecksumError",
    "DataFile",
    "DatasetUnavailableError",
    "data_files",
    "fetch_amazon_review",
    "fetch_office31",
    "fetch_office_caltech10",
    "get_data_home",
    "load_office_caltech10",
    "make_domain_shift",
]
