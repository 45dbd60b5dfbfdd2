"""Which files a loader reads: the list a user needs to prepare an offline machine."""

from dataclasses import dataclass

from ._loaders import (
    _AMAZON_ALIASES,
    _OFFICE_CALTECH_ALIASES,
    AMAZON_REVIEW_FILES,
    OFFICE_CALTECH10_FILES,
    _canonical_domain,
)
from ._office31 import OFFICE31_ARCHIVES

__all__ = ["DataFile", "data_files"]


@dataclass(frozen=True)
class DataFile:
    """One file of a benchmark data set.

    Parameters
    ----------
    relative_path : str
        Where the file goes: ``<data home>/<relative_path>``, and where a mirror
        holds it: ``<TLEARN_DATA_MIRROR>/<relative_path>``.
    filename : str
        Its name (the last part of ``relative_path``).
    sha256 : str
        The SHA-256 that the loaders check (64 hexadecimal digits).
    url : str
        Its public origin.

    Examples
    --------
    >>> from tlearn.datasets import data_files
    >>> data_files("amazon_review", ["books"])[0].filename
    'books_400.mat'
    """

    relative_path: str
    filename: str
    sha256: str
    url: str


_DATASETS = ("office31", "office_caltech10", "amazon_review")


def data_files(dataset, domains=None, *, feature="surf"):
    """The files that a loader of ``dataset`` reads, with their checksums and origins.

    What to put in the data home (``TLEARN_DATA_HOME``) or on a mirror
    (``TLEARN_DATA_MIRROR``) so that :func:`fetch_office31`,
    :func:`fetch_office_caltech10` or :func:`fetch_amazon_review` find their
    data without a download. Nothing is read or downloaded.

    Parameters
    ----------
    dataset : {"office31", "office_caltech10", "amazon_review"}
        The data set (``"office-caltech10"``, ``"amazon-review"`` are accepted too).
    domains : list of str or None, default=None
        The domains whose files are wanted, named as the loader takes them
        (with its aliases); None means every domain. Office-31 keeps every
        domain in one archive, so ``domains`` only checks the names there.
    feature : {"surf", "decaf"}, default="surf"
        Office-31's feature set (its two archives); ignored for the others.

    Returns
    -------
    files : list of DataFile
        One per file, without duplicates, in the order of ``domains``.

    Raises
    ------
    ValueError
        An unknown data set, domain or feature.

    Examples
    --------
    >>> from tlearn.datasets import data_files
    >>> [f.relative_path for f in data_files("office_caltech10", ["amazon", "dslr"])]
    ['office_caltech10_surf/amazon.mat', 'office_caltech10_surf/dslr.mat']
    >>> len(data_files("office31")[0].sha256)
    64
    """
    key = dataset.strip().lower().replace("-", "_") if isinstance(dataset, str) else dataset
    if key not in _DATASETS:
        raise ValueError(
            f"data_files: the parameter 'dataset' must be one of {list(_DATASETS)}; "
            f"got {dataset!r}."
        )
    if key == "office31":
        if feature not in OFFICE31_ARCHIVES:
            raise ValueError(
                f"data_files: the parameter 'feature' must be one of "
                f"{list(OFFICE31_ARCHIVES)}; got {feature!r}."
            )
        for domain in domains or ():
            _canonical_domain(domain, ("amazon", "dslr", "webcam"), {}, "Office-31")
        remotes = [OFFICE31_ARCHIVES[feature]]
    else:
        registry, aliases, what = {
            "office_caltech10": (
                OFFICE_CALTECH10_FILES,
                _OFFICE_CALTECH_ALIASES,
                "Office-Caltech-10",
            ),
            "amazon_review": (AMAZON_REVIEW_FILES, _AMAZON_ALIASES, "Amazon-reviews"),
        }[key]
        names = list(registry) if domains is None else domains
        if isinstance(names, str):
            raise TypeError(
                f"data_files: the parameter 'domains' must be a list of domain names or None; "
                f"got {names!r} (write [{names!r}])."
            )
        chosen = [_canonical_domain(d, tuple(registry), aliases, what) for d in names]
        remotes = [registry[d] for d in dict.fromkeys(chosen)]
    return [DataFile(r.relative_path, r.filename, r.sha256, r.url) for r in remotes]
