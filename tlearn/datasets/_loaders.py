"""Loaders of the Office-Caltech-10 (SURF) and Amazon-reviews (400-d) benchmarks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import scipy.io
from sklearn.utils import Bunch

from ._base import ChecksumError, RemoteFile, _sha256_of, fetch_file

__all__ = ["fetch_amazon_review", "fetch_office_caltech10", "load_office_caltech10"]

# ----------------------------------------------------------------- registries

_OFFICE_CALTECH_FOLDER = "office_caltech10_surf"
_OFFICE_CALTECH_URL = (
    "https://raw.githubusercontent.com/redhat12345/OfficeCaltechDomainAdaptation/"
    "74f70487e1b975d1af05bb9a2ecfbf14a7000080/features/surf/{}"
)
_OFFICE_CALTECH_SHA256 = {
    "amazon.mat": "df32548b994e18d364c99e1f317e1fae100597259f0423a41b90f4f68187bb1f",
    "caltech10.mat": "4f9334c8ced489d5054de97a5fd51a61f017f3bcd1f38c9a85c6d78cb9d7bda5",
    "dslr.mat": "44d673c68e1d07b837893aa74dba3b986e4a6cc3fd66f0dd357683bdef059216",
    "webcam.mat": "a6a9c78b4b7181dfbb58bcfd351d4ebd737f171c31247b8884948aa156d3f700",
}
_OFFICE_CALTECH_FILE_OF = {
    "amazon": "amazon.mat",
    "caltech": "caltech10.mat",
    "dslr": "dslr.mat",
    "webcam": "webcam.mat",
}
OFFICE_CALTECH10_FILES = {
    domain: RemoteFile(
        _OFFICE_CALTECH_FOLDER,
        filename,
        _OFFICE_CALTECH_URL.format(filename),
        _OFFICE_CALTECH_SHA256[filename],
    )
    for domain, filename in _OFFICE_CALTECH_FILE_OF.items()
}
_OFFICE_CALTECH_ALIASES = {"caltech10": "caltech"}
#: The copy of the four Office-Caltech-10 SURF files shipped inside the package (package
#: data, as scikit-learn's ``sklearn/datasets/data/``): the bytes of the public origin.
EMBEDDED_OFFICE_CALTECH10 = Path(__file__).resolve().parent / "data" / _OFFICE_CALTECH_FOLDER
_OFFICE_CALTECH_N_FEATURES = 800
OFFICE_CALTECH10_CLASSES = (
    "back_pack",
    "bike",
    "calculator",
    "headphones",
    "keyboard",
    "laptop_computer",
    "monitor",
    "mouse",
    "mug",
    "projector",
)

_AMAZON_FOLDER = "amazon_review_400"
_AMAZON_URL = (
    "https://raw.githubusercontent.com/scikit-adaptation/skada-bench/"
    "e04399f55724b1accbed8ae1050e3c6c73fd481a/data/amazon_review/{}"
)
_AMAZON_SHA256 = {
    "books_400.mat": "7a53b54f0c0e81e7ee4774d762a927399cede9a802a2409732ba00cc1c23a17a",
    "dvd_400.mat": "13a71d399f9c7ae57064952979c830455057ffd0a8da73f2c9075338d64d98ce",
    "elec_400.mat": "f1dd6e01c1eed956d3abe6493a6bb5efc95e6585b8b9b2d856c0c07e12893a35",
    "kitchen_400.mat": "b1f4e5ddfbd7b37ad2638fccbf83bd8558abf63b3e8d69a9d5bca77b1a49fed5",
}
_AMAZON_FILE_OF = {
    "books": "books_400.mat",
    "dvd": "dvd_400.mat",
    "electronics": "elec_400.mat",
    "kitchen": "kitchen_400.mat",
}
AMAZON_REVIEW_FILES = {
    domain: RemoteFile(
        _AMAZON_FOLDER, filename, _AMAZON_URL.format(filename), _AMAZON_SHA256[filename]
    )
    for domain, filename in _AMAZON_FILE_OF.items()
}
_AMAZON_ALIASES = {"elec": "electronics"}
_AMAZON_N_FEATURES = 400


# ------------------------------------------------------------------- helpers


def _canonical_domain(domain, valid, aliases, what):
    """Map a user-given domain name to its canonical spelling."""
    valid_list = ", ".join(repr(d) for d in valid)
    alias_list = ", ".join(f"{a!r} for {c!r}" for a, c in aliases.items())
    if isinstance(domain, str):
        key = domain.strip().lower()
        key = aliases.get(key, key)
        if key in valid:
            return key
    raise ValueError(
        f"Unknown {what} domain {domain!r}; valid domains are {valid_list} "
        f"(case-insensitive; aliases: {alias_list})."
    )


def _read_mat_arrays(path, feature_key, label_key):
    """Read the feature matrix and label column of a MATLAB file, validated."""
    try:
        mat = scipy.io.loadmat(path)
    except NotImplementedError as err:  # MATLAB v7.3 (HDF5) files
        raise ValueError(f"{str(path)!r} is not a MATLAB v4/v5 file readable by scipy.") from err
    missing = [k for k in (feature_key, label_key) if k not in mat]
    if missing:
        found = sorted(k for k in mat if not k.startswith("__"))
        raise ValueError(f"{str(path)!r} has no array named {missing[0]!r}; arrays found: {found}.")
    X = np.asarray(mat[feature_key])
    labels = np.asarray(mat[label_key])
    if X.ndim != 2:
        raise ValueError(f"{str(path)!r}: {feature_key!r} should be 2-D, got shape {X.shape}.")
    if labels.ndim > 2 or (labels.ndim == 2 and 1 not in labels.shape):
        raise ValueError(
            f"{str(path)!r}: {label_key!r} should be a vector, got shape {labels.shape}."
        )
    labels = labels.ravel()
    if labels.shape[0] != X.shape[0]:
        raise ValueError(
            f"{str(path)!r}: {X.shape[0]} rows of features but {labels.shape[0]} labels."
        )
    return X, labels


def _integer_labels(labels, low, high, path):
    """Cast labels to int64, checking they are integers in [low, high]."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not (
            np.all(np.isfinite(labels)) and np.all(labels == np.round(labels))
        ):
            raise ValueError(f"{str(path)!r}: labels are not integers.")
    y = labels.astype(np.int64)
    if y.size and (y.min() < low or y.max() > high):
        raise ValueError(
            f"{str(path)!r}: labels range over [{y.min()}, {y.max()}], expected within "
            f"[{low}, {high}]."
        )
    return y


def _counts_text(y, names):
    counts = np.bincount(y, minlength=len(names))
    text = ", ".join(f"{name} {count}" for name, count in zip(names, counts))
    return textwrap.fill(text, width=78, initial_indent="  ", subsequent_indent="  ")


# ---------------------------------------------------------- Office-Caltech-10

_OFFICE_CALTECH_DESCR = """\
{title}
{underline}

Images of the 10 object classes that Office-31 (domains amazon, dslr and
webcam; Saenko et al., 2010) shares with Caltech-256 (Griffin et al., 2007),
as set up by Gong et al. (2012). Each image is described by SURF descriptors
quantised into an 800-bin bag-of-visual-words histogram (codebook learned on
amazon images).

- Samples: {n_samples}; features: {n_features} (raw histogram counts, returned
  as float64 without any preprocessing).
- Classes (target k is target_names[k]), with their counts:
{counts}
- File: {filename}, SHA-256
  {sha256}
  from the public GitHub repository redhat12345/OfficeCaltechDomainAdaptation,
  commit 74f70487e1b975d1af05bb9a2ecfbf14a7000080, path features/surf/{filename}.

Usual preprocessing in the papers (TCA, JDA, GFK, SA, CORAL, ...): divide each
row by its sum, then z-score every feature within its own domain.

References
----------
K. Saenko, B. Kulis, M. Fritz and T. Darrell. Adapting visual category models
to new domains. ECCV 2010.
G. Griffin, A. Holub and P. Perona. Caltech-256 object category dataset.
Technical report 7694, California Institute of Technology, 2007.
B. Gong, Y. Shi, F. Sha and K. Grauman. Geodesic flow kernel for unsupervised
domain adaptation. CVPR 2012.
"""


def fetch_office_caltech10(domain, *, data_home=None, download_if_missing=True, return_X_y=False):
    """Load one domain of Office-Caltech-10 with SURF-800 features.

    The 10 classes shared by Office-31 and Caltech-256, as set up by Gong et
    al. (2012): the data behind the SURF tables of the TCA, JDA, GFK, SA,
    CORAL and MEDA papers. The file is downloaded into the data home on first
    use and its SHA-256 is checked.

    =================  ===========================
    Domain             Samples (800 features each)
    =================  ===========================
    ``"amazon"``       958
    ``"caltech"``      1123
    ``"dslr"``         157
    ``"webcam"``       295
    =================  ===========================

    Parameters
    ----------
    domain : {"amazon", "caltech", "dslr", "webcam"}
        Domain to load, case-insensitive; ``"caltech10"`` is accepted for
        ``"caltech"``.
    data_home : str or path-like, default=None
        Folder where the data files are stored; when None, the environment
        variable ``TLEARN_DATA_HOME`` if set, else ``~/tlearn_data``.
    download_if_missing : bool, default=True
        When False, raise :class:`DatasetUnavailableError` instead of
        downloading a missing file.
    return_X_y : bool, default=False
        When True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 800), dtype float64
            Raw bag-of-words counts (no preprocessing).
        target : ndarray of shape (n_samples,), dtype int64
            Class index in ``0..9``.
        target_names : ndarray of shape (10,)
            Class names: back_pack, bike, calculator, headphones, keyboard,
            laptop_computer, monitor, mouse, mug, projector.
        domain : str
            Canonical domain name.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        Unknown domain, or a file whose content is not as expected.
    DatasetUnavailableError
        The file is missing and could not be downloaded; the message says
        where to place it and its SHA-256.
    ChecksumError
        The file in the data home or the downloaded file has a wrong SHA-256
        (a ``ValueError``).

    Notes
    -----
    Files are stored as ``<data_home>/office_caltech10_surf/<file>.mat`` and
    downloaded from their public origin, or from ``<mirror>/
    office_caltech10_surf/<file>.mat`` when the environment variable
    ``TLEARN_DATA_MIRROR`` is set (the origin is then not tried).

    The usual preprocessing in the papers is to divide each row by its sum
    and then z-score every feature within its own domain; with it, a
    1-nearest-neighbour classifier trained on a whole source domain and tested
    on a whole target domain reproduces the published 1NN baselines.

    Cost: the first call downloads one file (20 to 150 kB) and hashes it;
    every call reads it, :math:`O(800 n)` time and memory.

    References
    ----------
    .. [1] K. Saenko, B. Kulis, M. Fritz and T. Darrell, "Adapting visual
       category models to new domains", ECCV 2010.
    .. [2] G. Griffin, A. Holub and P. Perona, "Caltech-256 object category
       dataset", Caltech technical report 7694, 2007.
    .. [3] B. Gong, Y. Shi, F. Sha and K. Grauman, "Geodesic flow kernel for
       unsupervised domain adaptation", CVPR 2012.

    Examples
    --------
    >>> from tlearn.datasets import fetch_office_caltech10
    >>> webcam = fetch_office_caltech10("webcam")  # doctest: +SKIP
    >>> webcam.data.shape  # doctest: +SKIP
    (295, 800)
    >>> X, y = fetch_office_caltech10("dslr", return_X_y=True)  # doctest: +SKIP

    Without the file and without a download, the error says where to put it:

    >>> import tempfile
    >>> from tlearn.datasets import DatasetUnavailableError
    >>> with tempfile.TemporaryDirectory() as home:
    ...     try:
    ...         fetch_office_caltech10("webcam", data_home=home, download_if_missing=False)
    ...     except DatasetUnavailableError as error:
    ...         print("office_caltech10_surf/webcam.mat" in str(error))
    True
    """
    domain = _canonical_domain(
        domain, tuple(OFFICE_CALTECH10_FILES), _OFFICE_CALTECH_ALIASES, "Office-Caltech-10"
    )
    remote = OFFICE_CALTECH10_FILES[domain]
    path = fetch_file(remote, data_home=data_home, download_if_missing=download_if_missing)
    return _office_caltech_bunch(path, remote, domain, return_X_y)


def load_office_caltech10(domain, *, return_X_y=False):
    """Load one domain of Office-Caltech-10 with SURF-800 features, from the copy in tlearn.

    The same data, and the same return value, as :func:`fetch_office_caltech10`,
    read from the four files that ship inside the package (about 300 kB, byte
    for byte the files of the public origin), so it needs no download and no
    data home: scikit-learn's naming, ``load_*`` for shipped data and
    ``fetch_*`` for downloaded data. The SHA-256 of the file is checked before
    it is read, and it is read with :func:`scipy.io.loadmat` (nothing is
    unpickled).

    =================  ===========================
    Domain             Samples (800 features each)
    =================  ===========================
    ``"amazon"``       958
    ``"caltech"``      1123
    ``"dslr"``         157
    ``"webcam"``       295
    =================  ===========================

    Parameters
    ----------
    domain : {"amazon", "caltech", "dslr", "webcam"}
        Domain to load, case-insensitive; ``"caltech10"`` is accepted for
        ``"caltech"``.
    return_X_y : bool, default=False
        When True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 800), dtype float64
            Raw bag-of-words counts (no preprocessing).
        target : ndarray of shape (n_samples,), dtype int64
            Class index in ``0..9``.
        target_names : ndarray of shape (10,)
            Class names: back_pack, bike, calculator, headphones, keyboard,
            laptop_computer, monitor, mouse, mug, projector.
        domain : str
            Canonical domain name.
        DESCR : str
            Description of the data set (the same text as
            :func:`fetch_office_caltech10`'s).

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        Unknown domain.
    FileNotFoundError
        The shipped file is missing (a damaged installation).
    ChecksumError
        The shipped file does not have its recorded SHA-256 (a damaged
        installation; a ``ValueError``).

    See Also
    --------
    fetch_office_caltech10 : The same files, downloaded from their public origin.

    Notes
    -----
    The files are ``tlearn/datasets/data/office_caltech10_surf/<file>.mat``,
    from the public GitHub repository redhat12345/OfficeCaltechDomainAdaptation,
    commit 74f70487e1b975d1af05bb9a2ecfbf14a7000080, path
    ``features/surf/<file>.mat``; the ``README.md`` beside them lists their
    SHA-256. The usual preprocessing in the papers is to divide each row by its
    sum and then z-score every feature within its own domain.

    Cost: every call hashes and reads one file (20 to 150 kB),
    :math:`O(800 n)` time and memory.

    Examples
    --------
    >>> from tlearn.datasets import load_office_caltech10
    >>> webcam = load_office_caltech10("webcam")
    >>> webcam.data.shape
    (295, 800)
    >>> X, y = load_office_caltech10("dslr", return_X_y=True)
    >>> X.shape, sorted(set(y.tolist())) == list(range(10))
    ((157, 800), True)
    """
    domain = _canonical_domain(
        domain, tuple(OFFICE_CALTECH10_FILES), _OFFICE_CALTECH_ALIASES, "Office-Caltech-10"
    )
    remote = OFFICE_CALTECH10_FILES[domain]
    path = EMBEDDED_OFFICE_CALTECH10 / remote.filename
    if not path.is_file():
        raise FileNotFoundError(
            f"The shipped file {str(path)!r} is missing: reinstall tlearn, or use "
            "fetch_office_caltech10 to download it."
        )
    digest = _sha256_of(path)
    if digest != remote.sha256:
        raise ChecksumError(
            f"The shipped file {str(path)!r} has SHA-256 {digest}, expected {remote.sha256}: "
            "the installation is damaged; reinstall tlearn."
        )
    return _office_caltech_bunch(path, remote, domain, return_X_y)


def _office_caltech_bunch(path, remote, domain, return_X_y):
    """Read one verified Office-Caltech-10 file into ``(X, y)`` or a Bunch."""
    X, labels = _read_mat_arrays(path, "fts", "labels")
    if X.shape[1] != _OFFICE_CALTECH_N_FEATURES:
        raise ValueError(
            f"{str(path)!r}: expected {_OFFICE_CALTECH_N_FEATURES} features, got {X.shape[1]}."
        )
    n_classes = len(OFFICE_CALTECH10_CLASSES)
    y = _integer_labels(labels, 1, n_classes, path) - 1  # 1-based in the file
    X = X.astype(np.float64)
    target_names = np.array(OFFICE_CALTECH10_CLASSES)
    if return_X_y:
        return X, y
    title = f"Office-Caltech-10, SURF-800 features, domain {domain!r}"
    descr = _OFFICE_CALTECH_DESCR.format(
        title=title,
        underline="=" * len(title),
        n_samples=X.shape[0],
        n_features=X.shape[1],
        counts=_counts_text(y, target_names),
        filename=remote.filename,
        sha256=remote.sha256,
    )
    return Bunch(data=X, target=y, target_names=target_names, domain=domain, DESCR=descr)


# ------------------------------------------------------------ Amazon reviews

_AMAZON_DESCR = """\
{title}
{underline}

Binary sentiment classification of product reviews (Blitzer et al., 2007)
in four domains (books, dvd, electronics, kitchen), as the 400-dimensional
feature set used by Chen et al. (2012, mSDA) and many later papers.

- Samples: {n_samples}; features: {n_features} (float64 values in [0, 1],
  returned as stored, without any preprocessing).
- Classes: 0 and 1 (the source does not state which label is the positive
  sentiment, hence target_names ["0", "1"]), with their counts:
{counts}
- File: {filename}, SHA-256
  {sha256}
  from the public GitHub repository scikit-adaptation/skada-bench,
  commit e04399f55724b1accbed8ae1050e3c6c73fd481a, path data/amazon_review/{filename}.

Usual preprocessing for such features: divide each row by its sum, then
z-score every feature within its own domain (check the paper you compare
against: not all of them preprocess these features the same way).

References
----------
J. Blitzer, M. Dredze and F. Pereira. Biographies, Bollywood, boom-boxes and
blenders: domain adaptation for sentiment classification. ACL 2007.
M. Chen, Z. Xu, K. Weinberger and F. Sha. Marginalized denoising autoencoders
for domain adaptation. ICML 2012.
"""


def fetch_amazon_review(domain, *, data_home=None, download_if_missing=True, return_X_y=False):
    """Load one domain of the Amazon-reviews sentiment benchmark (400 features).

    Binary sentiment of product reviews (Blitzer et al., 2007) in four
    domains, as the 400-dimensional feature set used by Chen et al. (2012)
    and many later papers. The file is downloaded into the data home on first
    use and its SHA-256 is checked.

    =================  ===========================
    Domain             Samples (400 features each)
    =================  ===========================
    ``"books"``        2000 (1000 / 1000)
    ``"dvd"``          1999 (1000 / 999)
    ``"electronics"``  1998 (1000 / 998)
    ``"kitchen"``      1999 (1000 / 999)
    =================  ===========================

    Parameters
    ----------
    domain : {"books", "dvd", "electronics", "kitchen"}
        Domain to load, case-insensitive; ``"elec"`` is accepted for
        ``"electronics"``.
    data_home : str or path-like, default=None
        Folder where the data files are stored; when None, the environment
        variable ``TLEARN_DATA_HOME`` if set, else ``~/tlearn_data``.
    download_if_missing : bool, default=True
        When False, raise :class:`DatasetUnavailableError` instead of
        downloading a missing file.
    return_X_y : bool, default=False
        When True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 400), dtype float64
            Features in [0, 1], as stored (no preprocessing).
        target : ndarray of shape (n_samples,), dtype int64
            Label 0 or 1, as stored.
        target_names : ndarray of shape (2,)
            ``["0", "1"]``: the source does not state which label is the
            positive sentiment.
        domain : str
            Canonical domain name.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        Unknown domain, or a file whose content is not as expected.
    DatasetUnavailableError
        The file is missing and could not be downloaded; the message says
        where to place it and its SHA-256.
    ChecksumError
        The file in the data home or the downloaded file has a wrong SHA-256
        (a ``ValueError``).

    Notes
    -----
    Files are stored as ``<data_home>/amazon_review_400/<name>_400.mat`` and
    downloaded from their public origin, or from ``<mirror>/
    amazon_review_400/<name>_400.mat`` when the environment variable
    ``TLEARN_DATA_MIRROR`` is set (the origin is then not tried).

    Cost: the first call downloads one file (about 300 kB) and hashes it;
    every call reads it, :math:`O(400 n)` time and memory.

    References
    ----------
    .. [1] J. Blitzer, M. Dredze and F. Pereira, "Biographies, Bollywood,
       boom-boxes and blenders: domain adaptation for sentiment
       classification", ACL 2007.
    .. [2] M. Chen, Z. Xu, K. Weinberger and F. Sha, "Marginalized denoising
       autoencoders for domain adaptation", ICML 2012.

    Examples
    --------
    >>> from tlearn.datasets import fetch_amazon_review
    >>> books = fetch_amazon_review("books")  # doctest: +SKIP
    >>> books.data.shape  # doctest: +SKIP
    (2000, 400)
    >>> X, y = fetch_amazon_review("elec", return_X_y=True)  # doctest: +SKIP

    Without the file and without a download, the error says where to put it:

    >>> import tempfile
    >>> from tlearn.datasets import DatasetUnavailableError
    >>> with tempfile.TemporaryDirectory() as home:
    ...     try:
    ...         fetch_amazon_review("kitchen", data_home=home, download_if_missing=False)
    ...     except DatasetUnavailableError as error:
    ...         print("amazon_review_400/kitchen_400.mat" in str(error))
    True
    """
    domain = _canonical_domain(
        domain, tuple(AMAZON_REVIEW_FILES), _AMAZON_ALIASES, "Amazon-reviews"
    )
    remote = AMAZON_REVIEW_FILES[domain]
    path = fetch_file(remote, data_home=data_home, download_if_missing=download_if_missing)
    X, labels = _read_mat_arrays(path, "fts", "labels")
    if X.shape[1] != _AMAZON_N_FEATURES:
        raise ValueError(
            f"{str(path)!r}: expected {_AMAZON_N_FEATURES} features, got {X.shape[1]}."
        )
    y = _integer_labels(labels, 0, 1, path)
    X = X.astype(np.float64)
    target_names = np.array(["0", "1"])
    if return_X_y:
        return X, y
    title = f"Amazon reviews, 400-d features, domain {domain!r}"
    descr = _AMAZON_DESCR.format(
        title=title,
        underline="=" * len(title),
        n_samples=X.shape[0],
        n_features=X.shape[1],
        counts=_counts_text(y, target_names),
        filename=remote.filename,
        sha256=remote.sha256,
    )
    return Bunch(data=X, target=y, target_names=target_names, domain=domain, DESCR=descr)
