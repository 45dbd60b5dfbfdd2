"""The Office-Caltech-10 SURF copy shipped inside the package (issue 19, part 5)."""

import fnmatch
import hashlib
import os
import re
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import tlearn.datasets
from tlearn.datasets import ChecksumError, _loaders, fetch_office_caltech10, load_office_caltech10

COUNTS = {  # per class, from ../shared/data/README.md
    "amazon": [92, 82, 94, 99, 100, 100, 99, 100, 94, 98],
    "caltech": [151, 110, 100, 138, 85, 128, 133, 94, 87, 97],
    "dslr": [12, 21, 12, 13, 10, 24, 22, 12, 8, 23],
    "webcam": [29, 21, 31, 27, 27, 30, 43, 30, 27, 30],
}
SHARED = Path(os.environ.get("TLEARN_SHARED_DATA", Path(__file__).parents[3] / "shared" / "data"))
REPO = Path(__file__).resolve().parents[2]


def reference_mirror():
    """A mirror holding the public files: the shared data folder, else TLEARN_DATA_MIRROR."""
    if (SHARED / "office_caltech10_surf").is_dir():
        return SHARED.resolve().as_uri()
    return os.environ.get("TLEARN_DATA_MIRROR", "").strip() or None


@pytest.mark.parametrize("domain", COUNTS)
def test_shapes_counts_and_checksums(domain, tmp_path, monkeypatch, url_log):
    """No network and an empty data home: the shipped copy is read, nothing is opened."""
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "empty"))  # no data home needed
    monkeypatch.delenv("TLEARN_DATA_MIRROR", raising=False)

    def no_network(*args, **kwargs):
        raise AssertionError("load_office_caltech10 opened a URL")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    data = load_office_caltech10(domain)
    assert data.data.shape == (sum(COUNTS[domain]), 800)
    assert data.data.dtype == np.float64 and data.target.dtype == np.int64
    assert np.bincount(data.target).tolist() == COUNTS[domain]
    assert data.target_names.tolist() == list(_loaders.OFFICE_CALTECH10_CLASSES)
    assert data.domain == domain
    remote = _loaders.OFFICE_CALTECH10_FILES[domain]
    path = _loaders.EMBEDDED_OFFICE_CALTECH10 / remote.filename
    assert hashlib.sha256(path.read_bytes()).hexdigest() == remote.sha256
    # the SHA-256 the README beside the files records
    readme = (_loaders.EMBEDDED_OFFICE_CALTECH10 / "README.md").read_text()
    assert f"| {remote.filename} | {data.data.shape[0]} x 800 | {remote.sha256} |" in readme
    assert not (tmp_path / "empty").exists()
    assert url_log == []


def test_the_readme_records_the_public_origin():
    readme = (_loaders.EMBEDDED_OFFICE_CALTECH10 / "README.md").read_text()
    assert "redhat12345/OfficeCaltechDomainAdaptation" in readme
    assert "74f70487e1b975d1af05bb9a2ecfbf14a7000080" in readme
    assert "features/surf/<file>" in readme


def test_exported_and_declared_as_package_data():
    assert "load_office_caltech10" in tlearn.datasets.__all__
    assert "load_office_caltech10" in _loaders.__all__
    text = (REPO / "pyproject.toml").read_text()
    section = re.search(r"\[tool\.setuptools\.package-data\](.*?)(\n\[|$)", text, flags=re.S)
    globs = re.findall(r'"(data/[^"]+)"', section[1])
    shipped = sorted(
        p.relative_to(_loaders.EMBEDDED_OFFICE_CALTECH10.parents[1]).as_posix()
        for p in _loaders.EMBEDDED_OFFICE_CALTECH10.iterdir()
    )
    assert shipped == [
        "data/office_caltech10_surf/README.md",
        *(f"data/office_caltech10_surf/{r.filename}" for r in _remotes()),
    ]
    for name in shipped:  # a non-editable install carries every shipped file
        assert any(fnmatch.fnmatch(name, g) for g in globs), name


def _remotes():
    return sorted(_loaders.OFFICE_CALTECH10_FILES.values(), key=lambda r: r.filename)


@pytest.mark.skipif(
    reference_mirror() is None,
    reason="neither ../shared/data (TLEARN_SHARED_DATA) nor TLEARN_DATA_MIRROR is there",
)
@pytest.mark.parametrize("domain", COUNTS)
def test_equal_to_the_downloaded_files(domain, tmp_path, monkeypatch):
    mirror = reference_mirror()
    if urllib.parse.urlsplit(mirror).scheme != "file":
        pytest.skip("only a file:// mirror is read here (no server is started)")
    monkeypatch.setenv("TLEARN_DATA_MIRROR", mirror)
    fetched = fetch_office_caltech10(domain, data_home=tmp_path)
    loaded = load_office_caltech10(domain)
    assert type(loaded) is type(fetched) and sorted(loaded) == sorted(fetched)
    np.testing.assert_array_equal(loaded.data, fetched.data)
    np.testing.assert_array_equal(loaded.target, fetched.target)
    np.testing.assert_array_equal(loaded.target_names, fetched.target_names)
    assert loaded.domain == fetched.domain
    assert loaded.DESCR == fetched.DESCR
    downloaded = (
        tmp_path / "office_caltech10_surf" / _loaders.OFFICE_CALTECH10_FILES[domain].filename
    )
    shipped = _loaders.EMBEDDED_OFFICE_CALTECH10 / downloaded.name
    assert downloaded.read_bytes() == shipped.read_bytes()  # byte for byte
    X, y = load_office_caltech10(domain, return_X_y=True)
    Xf, yf = fetch_office_caltech10(domain, data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X, Xf)
    np.testing.assert_array_equal(y, yf)


def test_a_damaged_copy_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "office_caltech10_surf"
    copy.mkdir()
    (copy / "dslr.mat").write_bytes(b"not the file")
    monkeypatch.setattr(_loaders, "EMBEDDED_OFFICE_CALTECH10", copy)
    with pytest.raises(ChecksumError, match="damaged"):
        load_office_caltech10("dslr")
    with pytest.raises(FileNotFoundError, match="reinstall"):
        load_office_caltech10("webcam")
    with pytest.raises(ValueError):
        load_office_caltech10("nowhere")
