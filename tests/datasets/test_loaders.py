"""Tests of the download machinery and of the Office-Caltech-10 / Amazon-reviews loaders.

Real files are downloaded from a loopback server (or a ``file://`` mirror) of the
shared benchmark folder; nothing ever goes to the network.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import urllib.error

import numpy as np
import pytest
import scipy.io
from numpy.testing import assert_array_equal
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import Bunch

from tlearn.datasets import _base, _loaders
from tlearn.datasets._base import (
    ChecksumError,
    DatasetUnavailableError,
    RemoteFile,
    fetch_file,
    get_data_home,
)
from tlearn.datasets._loaders import fetch_amazon_review, fetch_office_caltech10

OFFICE_CALTECH = {
    # domain: (file, n_samples, per-class counts, SHA-256), from the shared README
    "amazon": (
        "amazon.mat",
        958,
        [92, 82, 94, 99, 100, 100, 99, 100, 94, 98],
        "df32548b994e18d364c99e1f317e1fae100597259f0423a41b90f4f68187bb1f",
    ),
    "caltech": (
        "caltech10.mat",
        1123,
        [151, 110, 100, 138, 85, 128, 133, 94, 87, 97],
        "4f9334c8ced489d5054de97a5fd51a61f017f3bcd1f38c9a85c6d78cb9d7bda5",
    ),
    "dslr": (
        "dslr.mat",
        157,
        [12, 21, 12, 13, 10, 24, 22, 12, 8, 23],
        "44d673c68e1d07b837893aa74dba3b986e4a6cc3fd66f0dd357683bdef059216",
    ),
    "webcam": (
        "webcam.mat",
        295,
        [29, 21, 31, 27, 27, 30, 43, 30, 27, 30],
        "a6a9c78b4b7181dfbb58bcfd351d4ebd737f171c31247b8884948aa156d3f700",
    ),
}
OFFICE_CALTECH_CLASSES = [
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
]
AMAZON = {
    "books": (
        "books_400.mat",
        [1000, 1000],
        "7a53b54f0c0e81e7ee4774d762a927399cede9a802a2409732ba00cc1c23a17a",
    ),
    "dvd": (
        "dvd_400.mat",
        [1000, 999],
        "13a71d399f9c7ae57064952979c830455057ffd0a8da73f2c9075338d64d98ce",
    ),
    "electronics": (
        "elec_400.mat",
        [1000, 998],
        "f1dd6e01c1eed956d3abe6493a6bb5efc95e6585b8b9b2d856c0c07e12893a35",
    ),
    "kitchen": (
        "kitchen_400.mat",
        [1000, 999],
        "b1f4e5ddfbd7b37ad2638fccbf83bd8558abf63b3e8d69a9d5bca77b1a49fed5",
    ),
}
# Published 1NN baselines (source -> target, whole domains, row-sum + z-score).
ONE_NN_BASELINES = {
    ("caltech", "amazon"): 23.70,
    ("caltech", "webcam"): 25.76,
    ("caltech", "dslr"): 25.48,
    ("amazon", "caltech"): 26.00,
    ("amazon", "webcam"): 29.83,
    ("amazon", "dslr"): 25.48,
    ("webcam", "caltech"): 19.86,
    ("webcam", "amazon"): 22.96,
    ("webcam", "dslr"): 59.24,
    ("dslr", "caltech"): 26.27,
    ("dslr", "amazon"): 28.50,
    ("dslr", "webcam"): 63.39,
}


def sha256_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_remote(content: bytes, folder="synthetic", filename="blob.bin") -> RemoteFile:
    return RemoteFile(
        folder,
        filename,
        f"https://example.invalid/{folder}/{filename}",
        hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def blob_mirror(tmp_path):
    """A mirror folder holding one synthetic file, and its RemoteFile."""
    content = np.random.default_rng(0).bytes(300_000)
    remote = make_remote(content)
    mirror = tmp_path / "mirror"
    (mirror / remote.folder).mkdir(parents=True)
    (mirror / remote.folder / remote.filename).write_bytes(content)
    return mirror, remote, content


# ------------------------------------------------------------------ get_data_home


def test_get_data_home_argument_env_default(tmp_path, monkeypatch):
    explicit = tmp_path / "a" / "b"
    assert get_data_home(explicit) == explicit
    assert explicit.is_dir()

    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "env_home"))
    assert get_data_home() == tmp_path / "env_home"
    assert (tmp_path / "env_home").is_dir()
    assert get_data_home(str(explicit)) == explicit  # the argument wins

    monkeypatch.delenv("TLEARN_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "user"))
    assert get_data_home() == tmp_path / "user" / "tlearn_data"
    assert (tmp_path / "user" / "tlearn_data").is_dir()
    assert get_data_home("~/elsewhere") == tmp_path / "user" / "elsewhere"


def test_remote_file_is_frozen_and_validated():
    remote = make_remote(b"x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        remote.sha256 = "0" * 64
    assert remote.relative_path == "synthetic/blob.bin"
    with pytest.raises(ValueError, match="sha256"):
        RemoteFile("f", "n", "https://example.invalid", "abc")
    with pytest.raises(ValueError, match="filename"):
        RemoteFile("f", "../n", "https://example.invalid", "0" * 64)


def test_error_classes():
    assert issubclass(DatasetUnavailableError, OSError)
    assert issubclass(ChecksumError, ValueError)


# --------------------------------------------------------------------- fetch_file


def test_fetch_file_downloads_verifies_and_reuses(
    blob_mirror, serve, data_home, monkeypatch, dead_url, url_log
):
    mirror, remote, content = blob_mirror
    server = serve(mirror)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url + "/")  # trailing slash is fine
    path = fetch_file(remote)
    assert path == data_home / "synthetic" / "blob.bin"
    assert path.read_bytes() == content
    assert server.requests == [("/synthetic/blob.bin", 200)]
    assert url_log == [f"{server.url}/synthetic/blob.bin"]  # the origin is never tried
    assert [p.name for p in path.parent.iterdir()] == ["blob.bin"]  # no temp file left

    # Second call: no download, and the verified hash is not recomputed.
    monkeypatch.setenv("TLEARN_DATA_MIRROR", dead_url)
    calls = []
    real = _base._sha256_of
    monkeypatch.setattr(_base, "_sha256_of", lambda p: calls.append(p) or real(p))
    assert fetch_file(remote) == path
    assert fetch_file(remote, download_if_missing=False) == path
    assert calls == []
    assert len(server.requests) == 1


def test_fetch_file_corrupted_download_leaves_nothing(
    blob_mirror, serve, data_home, monkeypatch, list_tree
):
    mirror, remote, content = blob_mirror
    corrupted = bytearray(content)
    corrupted[1234] ^= 0xFF
    (mirror / remote.folder / remote.filename).write_bytes(bytes(corrupted))
    server = serve(mirror)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    with pytest.raises(ChecksumError, match=remote.sha256):
        fetch_file(remote)
    assert list_tree(data_home) == []


def test_fetch_file_interrupted_download(
    blob_mirror, serve, truncating_handler, data_home, monkeypatch, list_tree
):
    mirror, remote, _ = blob_mirror
    server = serve(mirror, handler=truncating_handler)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    with pytest.raises(DatasetUnavailableError, match="cut short") as info:
        fetch_file(remote)
    assert str(data_home / "synthetic" / "blob.bin") in str(info.value)
    assert info.value.__cause__ is not None
    assert list_tree(data_home) == []


def test_fetch_file_http_error_and_file_mirror(
    blob_mirror, serve, data_home, monkeypatch, tmp_path, list_tree
):
    mirror, remote, content = blob_mirror
    empty = tmp_path / "empty"
    empty.mkdir()
    server = serve(empty)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    with pytest.raises(DatasetUnavailableError, match="HTTP 404") as info:
        fetch_file(remote)
    assert isinstance(info.value.__cause__, urllib.error.HTTPError)
    assert list_tree(data_home) == []

    monkeypatch.setenv("TLEARN_DATA_MIRROR", empty.as_uri())
    with pytest.raises(DatasetUnavailableError):
        fetch_file(remote)
    assert list_tree(data_home) == []

    monkeypatch.setenv("TLEARN_DATA_MIRROR", mirror.as_uri())
    assert fetch_file(remote).read_bytes() == content


def test_fetch_file_rejects_unknown_mirror_scheme(data_home, monkeypatch, url_log):
    monkeypatch.setenv("TLEARN_DATA_MIRROR", "ftp://127.0.0.1/data")
    with pytest.raises(DatasetUnavailableError, match="TLEARN_DATA_MIRROR"):
        fetch_file(make_remote(b"x"))
    assert url_log == []


def test_fetch_file_existing_corrupted_file(data_home, monkeypatch, dead_url):
    remote = make_remote(b"good content")
    path = data_home / remote.folder / remote.filename
    path.parent.mkdir(parents=True)
    path.write_bytes(b"bad content")
    monkeypatch.setenv("TLEARN_DATA_MIRROR", dead_url)
    with pytest.raises(ChecksumError, match="Delete it") as info:
        fetch_file(remote)
    assert str(path) in str(info.value)
    assert path.read_bytes() == b"bad content"  # the user's file is not touched


# ------------------------------------------------- loaders: errors without real data


@pytest.mark.parametrize(
    ("loader", "domain", "relative"),
    [
        (fetch_office_caltech10, "dslr", "office_caltech10_surf/dslr.mat"),
        (fetch_amazon_review, "elec", "amazon_review_400/elec_400.mat"),
    ],
)
def test_unreachable_mirror_message(
    loader, domain, relative, data_home, monkeypatch, dead_url, url_log, list_tree
):
    monkeypatch.setenv("TLEARN_DATA_MIRROR", dead_url)
    with pytest.raises(DatasetUnavailableError) as info:
        loader(domain)
    message = str(info.value)
    remote = (
        _loaders.OFFICE_CALTECH10_FILES["dslr"]
        if loader is fetch_office_caltech10
        else _loaders.AMAZON_REVIEW_FILES["electronics"]
    )
    assert str(data_home / relative) in message
    assert remote.sha256 in message
    assert remote.url in message  # where it can be downloaded from
    assert "TLEARN_DATA_MIRROR" in message
    assert isinstance(info.value.__cause__, urllib.error.URLError)
    assert url_log == [f"{dead_url}/{relative}"]
    assert list_tree(data_home) == []

    monkeypatch.delenv("TLEARN_DATA_MIRROR")
    url_log.clear()
    with pytest.raises(DatasetUnavailableError, match="download_if_missing=False") as info:
        loader(domain, download_if_missing=False)
    assert str(data_home / relative) in str(info.value)
    assert remote.sha256 in str(info.value)
    assert url_log == []


def test_unknown_domains():
    with pytest.raises(ValueError, match="'amazon', 'caltech', 'dslr', 'webcam'"):
        fetch_office_caltech10("office")
    with pytest.raises(ValueError, match="'books', 'dvd', 'electronics', 'kitchen'"):
        fetch_amazon_review("music")
    with pytest.raises(ValueError, match="valid domains"):
        fetch_amazon_review(None)


def test_registry_matches_readme():
    for domain, (filename, _, _, sha) in OFFICE_CALTECH.items():
        remote = _loaders.OFFICE_CALTECH10_FILES[domain]
        assert (remote.folder, remote.filename, remote.sha256) == (
            "office_caltech10_surf",
            filename,
            sha,
        )
        assert remote.url.endswith(f"/features/surf/{filename}")
    for domain, (filename, _, sha) in AMAZON.items():
        remote = _loaders.AMAZON_REVIEW_FILES[domain]
        assert (remote.folder, remote.filename, remote.sha256) == (
            "amazon_review_400",
            filename,
            sha,
        )
        assert remote.url.endswith(f"/data/amazon_review/{filename}")


# ----------------------------------------------------------- loaders: real files


@pytest.mark.shared_data
@pytest.mark.parametrize("domain", sorted(OFFICE_CALTECH))
def test_office_caltech10_real(domain, mirrored, shared_data, monkeypatch, dead_url, url_log):
    filename, n_samples, counts, sha = OFFICE_CALTECH[domain]
    bunch = fetch_office_caltech10(domain)
    assert isinstance(bunch, Bunch)
    assert bunch.domain == domain
    assert bunch.data.shape == (n_samples, 800)
    assert bunch.data.dtype == np.float64
    assert bunch.target.dtype == np.int64
    assert bunch.target.shape == (n_samples,)
    assert bunch.target.min() == 0 and bunch.target.max() == 9
    assert np.bincount(bunch.target).tolist() == counts
    assert list(bunch.target_names) == OFFICE_CALTECH_CLASSES
    raw = scipy.io.loadmat(shared_data / "office_caltech10_surf" / filename)
    assert_array_equal(bunch.data, raw["fts"])  # raw counts, no preprocessing
    assert_array_equal(bunch.target, raw["labels"].ravel().astype(np.int64) - 1)
    assert "Gong" in bunch.DESCR and str(n_samples) in bunch.DESCR

    stored = mirrored.home / "office_caltech10_surf" / filename
    assert sha256_of(stored) == sha
    assert sorted(p.name for p in stored.parent.iterdir()) == [filename]
    assert mirrored.server.requests == [(f"/office_caltech10_surf/{filename}", 200)]
    assert all(url.startswith(mirrored.server.url) for url in url_log)

    # A second call reads the data home only.
    monkeypatch.setenv("TLEARN_DATA_MIRROR", dead_url)
    X, y = fetch_office_caltech10(domain.upper(), return_X_y=True)
    assert_array_equal(X, bunch.data)
    assert_array_equal(y, bunch.target)
    assert len(mirrored.server.requests) == 1


@pytest.mark.shared_data
@pytest.mark.parametrize("domain", sorted(AMAZON))
def test_amazon_review_real(domain, mirrored, shared_data, monkeypatch, dead_url):
    filename, counts, sha = AMAZON[domain]
    bunch = fetch_amazon_review(domain)
    n_samples = sum(counts)
    assert bunch.domain == domain
    assert bunch.data.shape == (n_samples, 400)
    assert bunch.data.dtype == np.float64
    assert bunch.data.min() >= 0 and bunch.data.max() <= 1
    assert bunch.target.dtype == np.int64
    assert np.bincount(bunch.target).tolist() == counts
    assert list(bunch.target_names) == ["0", "1"]
    assert "does not state" in bunch.DESCR
    raw = scipy.io.loadmat(shared_data / "amazon_review_400" / filename)
    assert_array_equal(bunch.data, raw["fts"])
    assert_array_equal(bunch.target, raw["labels"].ravel())

    stored = mirrored.home / "amazon_review_400" / filename
    assert sha256_of(stored) == sha
    assert mirrored.server.requests == [(f"/amazon_review_400/{filename}", 200)]

    monkeypatch.setenv("TLEARN_DATA_MIRROR", dead_url)
    X, y = fetch_amazon_review(domain, return_X_y=True)
    assert_array_equal(X, bunch.data)
    assert_array_equal(y, bunch.target)
    assert len(mirrored.server.requests) == 1


@pytest.mark.shared_data
def test_aliases(mirrored):
    assert fetch_office_caltech10("Caltech10").domain == "caltech"
    assert fetch_amazon_review("ELEC").domain == "electronics"
    assert fetch_amazon_review("electronics").data.shape == (1998, 400)
    assert len(mirrored.server.requests) == 2


@pytest.mark.shared_data
def test_file_mirror(shared_data, data_home, monkeypatch, url_log):
    monkeypatch.setenv("TLEARN_DATA_MIRROR", shared_data.as_uri())
    X, y = fetch_office_caltech10("webcam", return_X_y=True)
    assert X.shape == (295, 800)
    assert url_log == [f"{shared_data.as_uri()}/office_caltech10_surf/webcam.mat"]
    assert (
        sha256_of(data_home / "office_caltech10_surf" / "webcam.mat")
        == (OFFICE_CALTECH["webcam"][3])
    )


@pytest.mark.shared_data
def test_explicit_data_home_argument(mirrored, tmp_path):
    other = tmp_path / "other_home"
    fetch_amazon_review("dvd", data_home=other)
    assert (other / "amazon_review_400" / "dvd_400.mat").is_file()
    assert not (mirrored.home / "amazon_review_400").exists()


@pytest.mark.shared_data
def test_corrupted_file_on_mirror(shared_data, serve, data_home, monkeypatch, tmp_path, list_tree):
    mirror = tmp_path / "bad_mirror" / "office_caltech10_surf"
    mirror.mkdir(parents=True)
    data = bytearray((shared_data / "office_caltech10_surf" / "dslr.mat").read_bytes())
    data[len(data) // 2] ^= 0x01
    (mirror / "dslr.mat").write_bytes(bytes(data))
    server = serve(mirror.parent)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    with pytest.raises(ChecksumError, match=OFFICE_CALTECH["dslr"][3]):
        fetch_office_caltech10("dslr")
    assert server.requests == [("/office_caltech10_surf/dslr.mat", 200)]
    assert list_tree(data_home) == []


@pytest.mark.shared_data
def test_existing_corrupted_file_in_data_home(shared_data, data_home, monkeypatch, dead_url):
    path = data_home / "amazon_review_400" / "kitchen_400.mat"
    path.parent.mkdir(parents=True)
    data = bytearray((shared_data / "amazon_review_400" / "kitchen_400.mat").read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    monkeypatch.setenv("TLEARN_DATA_MIRROR", dead_url)
    with pytest.raises(ChecksumError, match="corrupted") as info:
        fetch_amazon_review("kitchen")
    assert str(path) in str(info.value)
    assert "Delete it" in str(info.value)

    path.unlink()  # as the message says; a good copy placed by hand is then used
    shutil.copyfile(shared_data / "amazon_review_400" / "kitchen_400.mat", path)
    assert fetch_amazon_review("kitchen").data.shape == (1999, 400)


@pytest.mark.shared_data
def test_interrupted_download(
    shared_data, serve, truncating_handler, data_home, monkeypatch, list_tree
):
    server = serve(shared_data, handler=truncating_handler)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    with pytest.raises(DatasetUnavailableError) as info:
        fetch_office_caltech10("amazon")
    assert str(data_home / "office_caltech10_surf" / "amazon.mat") in str(info.value)
    assert OFFICE_CALTECH["amazon"][3] in str(info.value)
    assert list_tree(data_home) == []


@pytest.mark.shared_data
def test_one_nn_baselines(mirrored):
    """The published 1NN baselines are reproduced: labels and features line up."""

    def preprocess(X):
        X = X / X.sum(axis=1, keepdims=True)
        std = X.std(axis=0)
        std[std == 0] = 1.0
        return (X - X.mean(axis=0)) / std

    data = {d: fetch_office_caltech10(d) for d in OFFICE_CALTECH}
    for (source, target), expected in ONE_NN_BASELINES.items():
        knn = KNeighborsClassifier(n_neighbors=1)
        knn.fit(preprocess(data[source].data), data[source].target)
        accuracy = knn.score(preprocess(data[target].data), data[target].target)
        assert round(100 * accuracy, 2) == pytest.approx(expected), (source, target)
