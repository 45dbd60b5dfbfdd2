"""The Office-Caltech-10 SURF copy shipped inside the package (issue 19, part 5)."""

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from tlearn.datasets import ChecksumError, _loaders, fetch_office_caltech10, load_office_caltech10

COUNTS = {  # per class, from ../shared/data/README.md
    "amazon": [92, 82, 94, 99, 100, 100, 99, 100, 94, 98],
    "caltech": [151, 110, 100, 138, 85, 128, 133, 94, 87, 97],
    "dslr": [12, 21, 12, 13, 10, 24, 22, 12, 8, 23],
    "webcam": [29, 21, 31, 27, 27, 30, 43, 30, 27, 30],
}
SHARED = Path(os.environ.get("TLEARN_SHARED_DATA", Path(__file__).parents[3] / "shared" / "data"))


@pytest.mark.parametrize("domain", COUNTS)
def test_shapes_counts_and_checksums(domain, tmp_path, monkeypatch):
    monkeypatch.setenv("TLEARN_DATA_HOME", str(tmp_path / "empty"))  # no data home needed
    monkeypatch.delenv("TLEARN_DATA_MIRROR", raising=False)
    data = load_office_caltech10(domain)
    assert data.data.shape == (sum(COUNTS[domain]), 800)
    assert np.bincount(data.target).tolist() == COUNTS[domain]
    remote = _loaders.OFFICE_CALTECH10_FILES[domain]
    path = _loaders.EMBEDDED_OFFICE_CALTECH10 / remote.filename
    assert hashlib.sha256(path.read_bytes()).hexdigest() == remote.sha256
    assert not (tmp_path / "empty").exists()


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data (TLEARN_SHARED_DATA) is absent")
@pytest.mark.parametrize("domain", COUNTS)
def test_equal_to_the_downloaded_files(domain, tmp_path, monkeypatch):
    monkeypatch.setenv("TLEARN_DATA_MIRROR", SHARED.resolve().as_uri())
    fetched = fetch_office_caltech10(domain, data_home=tmp_path)
    loaded = load_office_caltech10(domain)
    np.testing.assert_array_equal(loaded.data, fetched.data)
    np.testing.assert_array_equal(loaded.target, fetched.target)
    assert loaded.DESCR == fetched.DESCR
    X, y = load_office_caltech10(domain, return_X_y=True)
    np.testing.assert_array_equal(X, fetched.data)


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
