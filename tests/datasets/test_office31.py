"""Tests of the Office-31 loader and of the safe tar extraction.

The published archives cannot be downloaded here, so the tests build small
archives in exactly the published layout, substitute their SHA-256 in the
loader's registry and serve them from a loopback server.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from numpy.testing import assert_array_equal

from tlearn.datasets import _base, _office31
from tlearn.datasets._base import ChecksumError, DatasetUnavailableError, safe_extract_tar
from tlearn.datasets._office31 import fetch_office31

DOMAINS = ("amazon", "dslr", "webcam")
CLASSES = ["back_pack", "bike", "mug"]
# Images per (domain, class); dslr has no "mug" folder, so that the class list
# must come from every domain for the labels to agree across domains.
N_IMAGES = {
    "amazon": {"back_pack": 3, "bike": 2, "mug": 2},
    "dslr": {"back_pack": 2, "bike": 2},
    "webcam": {"back_pack": 2, "bike": 3, "mug": 2},
}
SURF_TOP = "domain_adaptation_features"
SURF_NAME = "histogram_{}.SURF_SURF.amazon_800.SURF_SURF.mat"
DECAF_TOP = "domain_adaptation_decaf_features"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tar_folder(staging: Path, top: str, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staging / top, arcname=top)
    return archive


def _image_names(rng, n):
    # Random names, written in random order: rows must come out sorted by name.
    return [f"frame_{rng.integers(10**6):06d}_{i}" for i in range(n)]


@dataclasses.dataclass
class BuiltArchive:
    path: Path
    sha256: str
    expected: dict  # domain -> (X, y) in the loader's row order
    skipped: list  # relative paths of the files that must be skipped


@pytest.fixture(scope="module")
def surf_archive(tmp_path_factory) -> BuiltArchive:
    rng = np.random.default_rng(31)
    root = tmp_path_factory.mktemp("surf")
    staging = root / "staging"
    expected, skipped = {}, []
    for domain in DOMAINS:
        rows = []
        for k, cls in enumerate(CLASSES):
            if cls not in N_IMAGES[domain]:
                continue
            folder = staging / SURF_TOP / domain / "interest_points" / cls
            folder.mkdir(parents=True)
            names = _image_names(rng, N_IMAGES[domain][cls])
            for i, name in enumerate(names):
                hist = rng.integers(0, 256, size=800, dtype=np.uint8)
                # Row and column vectors both occur; the loader flattens them.
                shape = (1, 800) if i % 2 == 0 else (800, 1)
                scipy.io.savemat(
                    folder / SURF_NAME.format(name), {"histogram": hist.reshape(shape)}
                )
                rows.append((k, SURF_NAME.format(name), hist))
            # Not a histogram file: ignored.
            scipy.io.savemat(folder / f"{names[0]}.SURF_SURF.mat", {"points": np.ones((5, 64))})
        if domain == "amazon":
            folder = staging / SURF_TOP / domain / "interest_points" / "bike"
            bad = SURF_NAME.format("frame_000000_bad")
            scipy.io.savemat(
                folder / bad, {"histogram": rng.integers(0, 256, size=(1, 600), dtype=np.uint8)}
            )
            skipped.append(f"{SURF_TOP}/amazon/interest_points/bike/{bad}")
        rows.sort(key=lambda r: (r[0], r[1]))
        X = np.array([r[2] for r in rows], dtype=np.float64)
        y = np.array([r[0] for r in rows], dtype=np.int64)
        expected[domain] = (X, y)
    archive = _tar_folder(staging, SURF_TOP, root / "domain_adaptation_features_20110616.tar.gz")
    return BuiltArchive(archive, _sha256(archive), expected, skipped)


@pytest.fixture(scope="module")
def decaf_archive(tmp_path_factory) -> BuiltArchive:
    rng = np.random.default_rng(7)
    root = tmp_path_factory.mktemp("decaf")
    staging = root / "staging"
    expected = {}
    for domain in DOMAINS:
        rows = []
        for k, cls in enumerate(CLASSES):
            if cls not in N_IMAGES[domain]:
                continue
            folder = staging / DECAF_TOP / domain / "decaf-fts" / cls
            folder.mkdir(parents=True)
            for name in _image_names(rng, N_IMAGES[domain][cls]):
                fc7 = rng.standard_normal((1, 4096)).astype(np.float32)
                fc8 = rng.standard_normal((1, 1000))
                scipy.io.savemat(folder / f"{name}.mat", {"fc7": fc7, "fc8": fc8})
                rows.append((k, f"{name}.mat", fc7.ravel(), fc8.ravel()))
        rows.sort(key=lambda r: (r[0], r[1]))
        y = np.array([r[0] for r in rows], dtype=np.int64)
        expected[domain] = {
            "fc7": (np.array([r[2] for r in rows], dtype=np.float64), y),
            "fc8": (np.array([r[3] for r in rows], dtype=np.float64), y),
        }
    archive = _tar_folder(
        staging, DECAF_TOP, root / "domain_adaptation_decaf_features_20140430.tar.gz"
    )
    return BuiltArchive(archive, _sha256(archive), expected, [])


def _serve_archive(archive: BuiltArchive, feature, tmp_path, serve, monkeypatch, *, patch_sha=True):
    """Serve the archive as ``<mirror>/office31/<name>`` and point the loader to it."""
    original = _office31.OFFICE31_ARCHIVES[feature]
    assert archive.path.name == original.filename
    mirror = tmp_path / "mirror"
    (mirror / "office31").mkdir(parents=True)
    (mirror / "office31" / original.filename).write_bytes(archive.path.read_bytes())
    if patch_sha:
        monkeypatch.setitem(
            _office31.OFFICE31_ARCHIVES,
            feature,
            dataclasses.replace(original, sha256=archive.sha256),
        )
    server = serve(mirror)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    return server


# -------------------------------------------------------------------- SURF


def test_surf_layout_rows_labels_and_skipped(
    surf_archive, tmp_path, serve, data_home, monkeypatch, url_log
):
    server = _serve_archive(surf_archive, "surf", tmp_path, serve, monkeypatch)
    for domain in DOMAINS:
        bunch = fetch_office31(domain)
        X, y = surf_archive.expected[domain]
        assert bunch.domain == domain
        assert bunch.data.dtype == np.float64 and bunch.target.dtype == np.int64
        assert bunch.data.shape == X.shape == (X.shape[0], 800)
        assert_array_equal(bunch.data, X)
        assert_array_equal(bunch.target, y)
        assert list(bunch.target_names) == CLASSES
        assert bunch.n_skipped == (1 if domain == "amazon" else 0)
    amazon = fetch_office31("AMAZON")
    assert amazon.data.shape == (7, 800)  # the 600-value histogram is not a row
    assert surf_archive.skipped[0] in amazon.DESCR
    assert "Saenko" in amazon.DESCR
    assert np.bincount(fetch_office31("dslr").target).tolist() == [2, 2]

    # One download, one extraction (complete, with its marker), all from the mirror.
    archive_name = "domain_adaptation_features_20110616.tar.gz"
    assert server.requests == [(f"/office31/{archive_name}", 200)]
    assert url_log == [f"{server.url}/office31/{archive_name}"]
    extracted = data_home / "office31" / "domain_adaptation_features_20110616"
    assert (extracted / ".tlearn-extracted").is_file()
    assert (extracted / SURF_TOP / "webcam" / "interest_points" / "mug").is_dir()
    assert _sha256(data_home / "office31" / archive_name) == surf_archive.sha256
    leftovers = [p.name for p in (data_home / "office31").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_surf_second_calls_use_data_home_and_cache(
    surf_archive, tmp_path, serve, data_home, monkeypatch, dead_url
):
    server = _serve_archive(surf_archive, "surf", tmp_path, serve, monkeypatch)
    X, y = fetch_office31("webcam", return_X_y=True)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", dead_url)
    X2, y2 = fetch_office31("webcam", return_X_y=True)
    assert_array_equal(X, X2)
    assert_array_equal(y, y2)
    assert len(server.requests) == 1

    # A garbage cache is ignored and rebuilt from the extracted archive.
    (cache,) = (data_home / "office31").glob("*.webcam.*.npz")
    cache.write_bytes(b"not a zip file")
    assert_array_equal(fetch_office31("webcam").data, X)
    with np.load(cache, allow_pickle=False) as z:
        assert_array_equal(z["X"], X)

    # With the cache, neither the archive nor the extraction is needed any more.
    for path in (data_home / "office31").iterdir():
        if path.is_file() and path.suffix == ".gz":
            path.unlink()
    bunch = fetch_office31("webcam", download_if_missing=False)
    assert_array_equal(bunch.data, X)
    assert list(bunch.target_names) == CLASSES


def test_surf_wrong_archive_checksum(
    surf_archive, tmp_path, serve, data_home, monkeypatch, list_tree
):
    # Registry left with the published SHA-256: the small archive does not match it.
    _serve_archive(surf_archive, "surf", tmp_path, serve, monkeypatch, patch_sha=False)
    with pytest.raises(ChecksumError, match=_office31.OFFICE31_ARCHIVES["surf"].sha256):
        fetch_office31("dslr")
    assert list_tree(data_home) == []


def test_missing_archive_message(data_home, url_log):
    remote = _office31.OFFICE31_ARCHIVES["decaf"]
    with pytest.raises(DatasetUnavailableError) as info:
        fetch_office31("webcam", feature="decaf", download_if_missing=False)
    message = str(info.value)
    assert str(data_home / "office31" / remote.filename) in message
    assert remote.sha256 in message
    assert remote.url in message
    assert url_log == []


def test_registry():
    surf = _office31.OFFICE31_ARCHIVES["surf"]
    decaf = _office31.OFFICE31_ARCHIVES["decaf"]
    assert (surf.folder, surf.filename, surf.sha256) == (
        "office31",
        "domain_adaptation_features_20110616.tar.gz",
        "1bb83153343eb0d2c44f66ee63990639176855b2b894fae17ef82c7198123291",
    )
    assert (decaf.folder, decaf.filename, decaf.sha256) == (
        "office31",
        "domain_adaptation_decaf_features_20140430.tar.gz",
        "ea13d8ced0fb629937f25f4a4670e0e75fc1955fb439f4ac412e129dd78a19ee",
    )


def test_invalid_arguments(data_home):
    with pytest.raises(ValueError, match="'amazon', 'dslr', 'webcam'"):
        fetch_office31("caltech")
    with pytest.raises(ValueError, match="surf"):
        fetch_office31("amazon", feature="vgg")
    with pytest.raises(ValueError, match="decaf_layer"):
        fetch_office31("amazon", feature="decaf", decaf_layer="../fc7")


# -------------------------------------------------------------------- DeCAF


def test_decaf_layers_and_missing_layer(decaf_archive, tmp_path, serve, data_home, monkeypatch):
    server = _serve_archive(decaf_archive, "decaf", tmp_path, serve, monkeypatch)
    for domain in DOMAINS:
        for layer, n_features in (("fc7", 4096), ("fc8", 1000)):
            bunch = fetch_office31(domain, feature="decaf", decaf_layer=layer)
            X, y = decaf_archive.expected[domain][layer]
            assert bunch.data.shape == (X.shape[0], n_features)
            assert_array_equal(bunch.data, X)
            assert_array_equal(bunch.target, y)
            assert list(bunch.target_names) == CLASSES
            assert bunch.n_skipped == 0
            assert layer in bunch.DESCR and "DeCAF" in bunch.DESCR
    X, _ = fetch_office31("amazon", feature="DeCAF", return_X_y=True)  # default fc8
    assert X.shape[1] == 1000
    with pytest.raises(ValueError, match=r"no array named 'fc6'.*\['fc7', 'fc8'\]"):
        fetch_office31("amazon", feature="decaf", decaf_layer="fc6")
    assert len(server.requests) == 1


# ------------------------------------------------------------- safe extraction


def _add_bytes(tar, name, data=b"data"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _add_special(tar, name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    tar.addfile(info)


EVIL_MEMBERS = {
    "absolute": lambda tar: _add_bytes(tar, "/tmp/tlearn_evil_absolute.txt"),
    "dotdot": lambda tar: _add_bytes(tar, "../evil.txt"),
    "nested_dotdot": lambda tar: _add_bytes(tar, "top/../../evil.txt"),
    "symlink_outside": lambda tar: _add_special(tar, "top/link", tarfile.SYMTYPE, "../../out"),
    "symlink_absolute": lambda tar: _add_special(tar, "top/link", tarfile.SYMTYPE, "/etc"),
    "hardlink_outside": lambda tar: _add_special(tar, "top/hard", tarfile.LNKTYPE, "../out"),
    "device": lambda tar: _add_special(tar, "top/dev", tarfile.CHRTYPE),
}


@pytest.mark.parametrize("kind", sorted(EVIL_MEMBERS))
def test_safe_extract_refuses(kind, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    archive = work / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        _add_bytes(tar, "top/good.txt")  # harmless member first
        EVIL_MEMBERS[kind](tar)
    with pytest.raises(ValueError, match="Refusing to extract the tar member"):
        safe_extract_tar(archive, work / "dest")
    assert sorted(p.name for p in work.iterdir()) == ["evil.tar.gz"]  # nothing extracted
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_safe_extract_atomic_and_inside_links(tmp_path, monkeypatch):
    archive = tmp_path / "good.tar"
    with tarfile.open(archive, "w") as tar:
        _add_bytes(tar, "top/a.txt", b"hello")
        _add_special(tar, "top/link", tarfile.SYMTYPE, "a.txt")
        _add_special(tar, "top/hard", tarfile.LNKTYPE, "top/a.txt")
    dest = tmp_path / "out" / "dest"
    assert safe_extract_tar(archive, dest, marker=".done") == dest
    assert (dest / "top" / "a.txt").read_bytes() == b"hello"
    assert (dest / "top" / "hard").read_bytes() == b"hello"
    assert (dest / ".done").is_file()
    with pytest.raises(FileExistsError):
        safe_extract_tar(archive, dest)

    # An extraction interrupted half-way leaves neither the destination nor a temp folder.
    real_extract = tarfile.TarFile.extract

    def failing_extractall(self, path, members=None, **kwargs):
        real_extract(self, members[0], path, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(tarfile.TarFile, "extractall", failing_extractall)
    other = tmp_path / "other" / "dest"
    with pytest.raises(KeyboardInterrupt):
        safe_extract_tar(archive, other)
    assert not (tmp_path / "other").exists()


def test_office31_refuses_evil_archive(tmp_path, serve, data_home, monkeypatch):
    remote = _office31.OFFICE31_ARCHIVES["surf"]
    mirror = tmp_path / "mirror" / "office31"
    mirror.mkdir(parents=True)
    archive = mirror / remote.filename
    with tarfile.open(archive, "w:gz") as tar:
        _add_bytes(tar, f"{SURF_TOP}/amazon/interest_points/bike/ok.txt")
        _add_bytes(tar, f"{SURF_TOP}/../../escaped.txt")
    monkeypatch.setitem(
        _office31.OFFICE31_ARCHIVES, "surf", dataclasses.replace(remote, sha256=_sha256(archive))
    )
    server = serve(mirror.parent)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    with pytest.raises(ValueError, match="escaped.txt"):
        fetch_office31("amazon")
    assert sorted(p.name for p in (data_home / "office31").iterdir()) == [remote.filename]
    assert not (tmp_path / "escaped.txt").exists()


def test_cache_write_removes_temporaries_of_dead_writers_only(tmp_path):
    """A process killed while writing the .npz cache leaves a temporary: the next write cleans."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    cache = tmp_path / "office31" / "archive.amazon.histogram.v1.npz"
    cache.parent.mkdir()
    host = _base._host_tag()
    dead = cache.parent / f".{cache.name}.{proc.pid}.abcdef012345.{host}.part"
    live = cache.parent / f".{cache.name}.{os.getpid()}.0123456789ab.{host}.part"
    for path in (dead, live):
        path.write_bytes(b"half")
    X, y = np.ones((2, 3)), np.array([0, 1])
    _office31._write_cache(cache, "0" * 64, X, y, ["a", "b"], [])
    assert not dead.exists() and live.exists()
    assert_array_equal(_office31._read_cache(cache, "0" * 64)[0], X)
