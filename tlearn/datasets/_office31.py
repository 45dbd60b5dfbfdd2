"""Loader of the Office-31 benchmark (SURF-800 or DeCAF features)."""

from __future__ import annotations

import os
import re
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import scipy.io
from sklearn.utils import Bunch

from ._base import (
    RemoteFile,
    _open_new_temp,
    _remove_stale_parts,
    fetch_file,
    get_data_home,
    safe_extract_tar,
)

__all__ = ["fetch_office31"]

# Registry of the published archives, one per feature type. Module level so
# that tests can substitute entries (e.g. a small archive and its SHA-256).
OFFICE31_ARCHIVES = {
    "surf": RemoteFile(
        "office31",
        "domain_adaptation_features_20110616.tar.gz",
        "https://figshare.com/ndownloader/files/41786493?private_link=dfe6af3ef4f0f9ae93b9",
        "1bb83153343eb0d2c44f66ee63990639176855b2b894fae17ef82c7198123291",
    ),
    "decaf": RemoteFile(
        "office31",
        "domain_adaptation_decaf_features_20140430.tar.gz",
        "https://figshare.com/ndownloader/files/41786427?private_link=e145dd18e3d010c1f6d9",
        "ea13d8ced0fb629937f25f4a4670e0e75fc1955fb439f4ac412e129dd78a19ee",
    ),
}

# feature -> (top folder in the archive, sub-folder of each domain, file pattern)
_LAYOUT = {
    "surf": (
        "domain_adaptation_features",
        "interest_points",
        "histogram_*.SURF_SURF.amazon_800.SURF_SURF.mat",
    ),
    "decaf": ("domain_adaptation_decaf_features", "decaf-fts", "*.mat"),
}
OFFICE31_DOMAINS = ("amazon", "dslr", "webcam")
_SURF_ARRAY = "histogram"
_SURF_DIM = 800
_MARKER = ".tlearn-extracted"
_CACHE_VERSION = 1
_LAYER_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def _archive_stem(filename: str) -> str:
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"):
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return filename


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


# ---------------------------------------------------------------- extraction


def _ensure_extracted(archive: Path, remote: RemoteFile) -> Path:
    """Extract the archive once into ``<folder>/<archive stem>/``."""
    dest = archive.parent / _archive_stem(remote.filename)
    if (dest / _MARKER).is_file():
        return dest
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(
            f"{str(dest)!r} exists but is not a complete extraction of {remote.filename!r} "
            f"made by tlearn (no {_MARKER!r} marker). Delete it and call again."
        )
    try:
        safe_extract_tar(archive, dest, marker=_MARKER)
    except FileExistsError:
        # Extracted concurrently by another process.
        if not (dest / _MARKER).is_file():
            raise
    return dest


# ------------------------------------------------------------------- parsing


def _array_names(mat) -> list[str]:
    return sorted(k for k in mat if not k.startswith("__"))


def _load_mat(path: Path):
    try:
        return scipy.io.loadmat(path)
    except NotImplementedError as err:  # MATLAB v7.3 (HDF5)
        raise ValueError(f"{str(path)!r} is not a MATLAB v4/v5 file readable by scipy.") from err


def _parse_domain(extract_dir: Path, feature: str, layer: str, domain: str):
    """Read one domain of an extracted archive.

    Returns X (float64), y (int64), class names, list of skipped files.
    """
    top, sub, pattern = _LAYOUT[feature]
    root = extract_dir / top
    domain_dir = root / domain / sub
    if not domain_dir.is_dir():
        found = sorted(p.name for p in extract_dir.iterdir()) if extract_dir.is_dir() else []
        raise ValueError(
            f"The extracted archive {str(extract_dir)!r} has no folder "
            f"'{top}/{domain}/{sub}' (top-level entries: {found})."
        )
    # Classes: union over the domains present, so that labels agree across domains.
    classes = set()
    for dom in OFFICE31_DOMAINS:
        dom_dir = root / dom / sub
        if dom_dir.is_dir():
            classes.update(p.name for p in dom_dir.iterdir() if p.is_dir() and _visible(p))
    classes = sorted(classes)

    rows, labels, skipped = [], [], []
    dim = None
    array_name = _SURF_ARRAY if feature == "surf" else layer
    for k, cls in enumerate(classes):
        class_dir = domain_dir / cls
        if not class_dir.is_dir():
            continue
        files = sorted(
            (p for p in class_dir.glob(pattern) if p.is_file() and _visible(p)),
            key=lambda p: p.name,
        )
        for path in files:
            mat = _load_mat(path)
            if array_name not in mat:
                raise ValueError(
                    f"{str(path)!r} has no array named {array_name!r}; arrays found: "
                    f"{_array_names(mat)}."
                )
            values = np.asarray(mat[array_name]).ravel()
            if feature == "surf":
                if values.size != _SURF_DIM:
                    skipped.append(path.relative_to(extract_dir).as_posix())
                    continue
            elif dim is None:
                dim = values.size
            elif values.size != dim:
                raise ValueError(
                    f"{str(path)!r}: array {array_name!r} has {values.size} values, "
                    f"while earlier files of domain {domain!r} have {dim}."
                )
            rows.append(values.astype(np.float64))
            labels.append(k)
    if not rows:
        raise ValueError(
            f"No {feature} feature file found for domain {domain!r} under {str(domain_dir)!r}."
        )
    X = np.vstack(rows)
    y = np.asarray(labels, dtype=np.int64)
    return X, y, classes, skipped


# --------------------------------------------------------------------- cache


def _cache_path(data_home: Path, remote: RemoteFile, feature, layer, domain) -> Path:
    part = _SURF_ARRAY if feature == "surf" else layer
    name = f"{_archive_stem(remote.filename)}.{domain}.{part}.v{_CACHE_VERSION}.npz"
    return data_home / remote.folder / name


def _read_cache(path: Path, sha256: str):
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["archive_sha256"]) != sha256:
                return None
            X = np.asarray(z["X"], dtype=np.float64)
            y = np.asarray(z["y"], dtype=np.int64)
            classes = [str(c) for c in z["target_names"]]
            skipped = [str(s) for s in z["skipped"]]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    if X.ndim != 2 or y.shape != (X.shape[0],):
        return None
    return X, y, classes, skipped


def _write_cache(path: Path, sha256: str, X, y, classes, skipped) -> None:
    """Write the parsed arrays atomically; a failure only loses the cache.

    Temporaries of this cache file left by dead processes are removed first.
    """
    _remove_stale_parts(path.parent, path.name)
    try:
        tmp, out = _open_new_temp(path.parent, path.name)
    except OSError:
        return
    try:
        with out:
            np.savez(
                out,
                X=X,
                y=y,
                target_names=np.array(classes, dtype=str),
                skipped=np.array(skipped, dtype=str),
                archive_sha256=np.array(sha256),
            )
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------------- API

_DESCR = """\
{title}
{underline}

Office-31 (Saenko et al., 2010): images of 31 office object classes in three
domains, amazon (2817 images, product photos from amazon.com), dslr (498,
high-resolution DSLR photos) and webcam (795, low-resolution webcam photos).

- Features: {feature_text}
- Samples: {n_samples}; features: {n_features} (float64, no preprocessing).
- Classes: {n_classes} (target k is target_names[k], the sorted class folder
  names), with their counts:
{counts}
- Skipped: {skipped_text}
- Archive: {filename}, SHA-256
  {sha256}
  public copy: {url}

Usual preprocessing for the SURF histograms in the papers: divide each row by
its sum, then z-score every feature within its own domain.

References
----------
K. Saenko, B. Kulis, M. Fritz and T. Darrell. Adapting visual category models
to new domains. ECCV 2010.{decaf_ref}
"""

_DECAF_REF = """
J. Donahue, Y. Jia, O. Vinyals, J. Hoffman, N. Zhang, E. Tzeng and
T. Darrell. DeCAF: a deep convolutional activation feature for generic visual
recognition. ICML 2014."""


def fetch_office31(
    domain,
    *,
    feature="surf",
    decaf_layer="fc8",
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
):
    """Load one domain of Office-31 with SURF-800 or DeCAF features.

    Office-31 holds images of 31 office object classes in three domains:
    amazon (2817 images), dslr (498) and webcam (795). The archive of the
    chosen feature type is downloaded into the data home on first use, its
    SHA-256 is checked, and it is extracted once (safely) next to it.

    Parameters
    ----------
    domain : {"amazon", "dslr", "webcam"}
        Domain to load, case-insensitive.
    feature : {"surf", "decaf"}, default="surf"
        ``"surf"``: 800-bin bag-of-words histograms of SURF descriptors
        (codebook learned on amazon), from
        ``domain_adaptation_features_20110616.tar.gz``. ``"decaf"``: DeCAF
        activations, from ``domain_adaptation_decaf_features_20140430.tar.gz``.
    decaf_layer : str, default="fc8"
        Name of the array read from each DeCAF file (e.g. ``"fc7"`` or
        ``"fc8"``). Ignored when ``feature="surf"``.
    data_home : str or path-like, default=None
        Folder where the data files are stored; when None, the environment
        variable ``TLEARN_DATA_HOME`` if set, else ``~/tlearn_data``.
    download_if_missing : bool, default=True
        When False, raise :class:`DatasetUnavailableError` instead of
        downloading a missing archive.
    return_X_y : bool, default=False
        When True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, n_features), dtype float64
            SURF histogram counts (800 features) or DeCAF activations, without
            preprocessing.
        target : ndarray of shape (n_samples,), dtype int64
            Index into ``target_names``.
        target_names : ndarray of shape (n_classes,)
            Sorted names of the class folders (31 in the published archives),
            the same for the three domains.
        domain : str
            Canonical domain name.
        n_skipped : int
            Number of image files skipped: SURF histograms that do not have
            exactly 800 values (4 amazon files in the published archive,
            leaving 2813 amazon rows). Always 0 for DeCAF.
        DESCR : str
            Description of the data set, naming the skipped files.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        Unknown domain or feature, invalid ``decaf_layer``, a DeCAF file
        without the array ``decaf_layer`` (the message lists the arrays found),
        an archive member that would be extracted outside the destination, or
        an archive whose layout is not the published one.
    DatasetUnavailableError
        The archive is missing and could not be downloaded; the message says
        where to place it and its SHA-256.
    ChecksumError
        The archive in the data home or the downloaded one has a wrong SHA-256
        (a ``ValueError``).
    FileExistsError
        The extraction folder exists but was not completed by tlearn (no
        marker file); the message asks to delete it.

    Notes
    -----
    The archive is stored as ``<data_home>/office31/<archive>`` and extracted
    into ``<data_home>/office31/<archive without .tar.gz>/``. It is
    downloaded from its public origin, or from ``<mirror>/office31/<archive>``
    when the environment variable ``TLEARN_DATA_MIRROR`` is set (the origin is
    then not tried).

    Rows are ordered by class, then by file name. The parsed arrays of each
    (feature, layer, domain) are cached in ``<data_home>/office31/*.npz``
    (read without pickle); later calls load the cache and no longer need the
    archive.

    Cost: the first call for a feature type downloads and hashes its
    archive, extracts it once and parses the domain's files (one small
    ``.mat`` file per image); later calls read the ``.npz`` cache, :math:`O(n
    d)` time and memory.

    Layout read, SURF:
    ``domain_adaptation_features/<domain>/interest_points/<class>/``
    ``histogram_*.SURF_SURF.amazon_800.SURF_SURF.mat`` (array ``histogram``);
    DeCAF: ``domain_adaptation_decaf_features/<domain>/decaf-fts/<class>/*.mat``
    (array ``decaf_layer``).

    References
    ----------
    .. [1] K. Saenko, B. Kulis, M. Fritz and T. Darrell, "Adapting visual
       category models to new domains", ECCV 2010.
    .. [2] J. Donahue, Y. Jia, O. Vinyals, J. Hoffman, N. Zhang, E. Tzeng and
       T. Darrell, "DeCAF: a deep convolutional activation feature for generic
       visual recognition", ICML 2014.

    Examples
    --------
    >>> from tlearn.datasets import fetch_office31
    >>> amazon = fetch_office31("amazon")  # doctest: +SKIP
    >>> amazon.data.shape, amazon.n_skipped  # doctest: +SKIP
    ((2813, 800), 4)
    >>> X, y = fetch_office31("webcam", feature="decaf", decaf_layer="fc8",
    ...                       return_X_y=True)  # doctest: +SKIP

    Without the archive and without a download, the error says where to put
    it:

    >>> import tempfile
    >>> from tlearn.datasets import DatasetUnavailableError
    >>> with tempfile.TemporaryDirectory() as home:
    ...     try:
    ...         fetch_office31("dslr", data_home=home, download_if_missing=False)
    ...     except DatasetUnavailableError as error:
    ...         print("office31/domain_adaptation_features_20110616.tar.gz" in str(error))
    True
    """
    valid = ", ".join(repr(d) for d in OFFICE31_DOMAINS)
    key = domain.strip().lower() if isinstance(domain, str) else None
    if key not in OFFICE31_DOMAINS:
        raise ValueError(
            f"Unknown Office-31 domain {domain!r}; valid domains are {valid} (case-insensitive)."
        )
    domain = key
    feature_key = feature.strip().lower() if isinstance(feature, str) else None
    if feature_key not in _LAYOUT:
        raise ValueError(f"Unknown Office-31 feature {feature!r}; valid: 'surf', 'decaf'.")
    feature = feature_key
    if feature == "decaf":
        if not isinstance(decaf_layer, str) or not _LAYER_RE.match(decaf_layer):
            raise ValueError(
                f"decaf_layer must be the name of an array such as 'fc7' or 'fc8', "
                f"got {decaf_layer!r}."
            )
        layer = decaf_layer
    else:
        layer = None

    remote = OFFICE31_ARCHIVES[feature]
    # Resolved once so that the cache and the archive use the same folder.
    home = get_data_home(data_home)
    cache = _cache_path(home, remote, feature, layer, domain)
    parsed = _read_cache(cache, remote.sha256)
    if parsed is None:
        archive = fetch_file(remote, data_home=home, download_if_missing=download_if_missing)
        extract_dir = _ensure_extracted(archive, remote)
        parsed = _parse_domain(extract_dir, feature, layer, domain)
        _write_cache(cache, remote.sha256, *parsed)
    X, y, classes, skipped = parsed
    if return_X_y:
        return X, y

    target_names = np.array(classes, dtype=str)
    if feature == "surf":
        feature_text = (
            "SURF descriptors quantised into an 800-bin bag-of-words histogram\n"
            "  (codebook learned on amazon images)."
        )
        decaf_ref = ""
    else:
        feature_text = f"DeCAF activations, array {layer!r} of each file."
        decaf_ref = _DECAF_REF
    if skipped:
        skipped_text = (
            f"{len(skipped)} file(s) whose histogram does not have {_SURF_DIM} values:\n"
            + "\n".join(f"  {name}" for name in skipped)
        )
    else:
        skipped_text = "none."
    counts = np.bincount(y, minlength=len(classes))
    title = f"Office-31, {feature} features, domain {domain!r}"
    descr = _DESCR.format(
        title=title,
        underline="=" * len(title),
        feature_text=feature_text,
        n_samples=X.shape[0],
        n_features=X.shape[1],
        n_classes=len(classes),
        counts=textwrap.fill(
            ", ".join(f"{c} {n}" for c, n in zip(classes, counts)),
            width=78,
            initial_indent="  ",
            subsequent_indent="  ",
        ),
        skipped_text=skipped_text,
        filename=remote.filename,
        sha256=remote.sha256,
        url=remote.url,
        decaf_ref=decaf_ref,
    )
    return Bunch(
        data=X,
        target=y,
        target_names=target_names,
        domain=domain,
        DESCR=descr,
        n_skipped=len(skipped),
    )
