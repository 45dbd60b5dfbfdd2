"""``tlearn.datasets.data_files``: the files a loader reads, as the loader reads them."""

import hashlib
import os
from pathlib import Path

import pytest

from tlearn.datasets import DatasetUnavailableError, data_files, fetch_office_caltech10

SHARED = Path(
    os.environ.get("TLEARN_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)


def test_every_file_of_a_data_set_once_and_in_order():
    files = data_files("amazon-review", ["kitchen", "books", "kitchen"])
    assert [f.filename for f in files] == ["kitchen_400.mat", "books_400.mat"]
    assert len(data_files("office_caltech10")) == 4
    assert all(f.relative_path.endswith("/" + f.filename) for f in files)
    assert [f.filename for f in data_files("office31", ["dslr"], feature="decaf")] == [
        "domain_adaptation_decaf_features_20140430.tar.gz"
    ]


def test_the_loader_asks_for_the_listed_file(tmp_path, monkeypatch):
    monkeypatch.delenv("TLEARN_DATA_MIRROR", raising=False)
    (listed,) = data_files("office_caltech10", ["webcam"])
    with pytest.raises(DatasetUnavailableError) as info:
        fetch_office_caltech10("webcam", data_home=tmp_path, download_if_missing=False)
    assert str(tmp_path / listed.relative_path) in str(info.value)
    assert listed.sha256 in str(info.value)


@pytest.mark.parametrize("dataset", ["office_caltech10", "amazon_review"])
def test_the_checksums_are_those_of_the_published_files(dataset):
    files = data_files(dataset)
    if not all((SHARED / f.relative_path).is_file() for f in files):
        pytest.skip(f"the {dataset} files are not in {SHARED} (set TLEARN_SHARED_DATA)")
    for f in files:
        digest = hashlib.sha256((SHARED / f.relative_path).read_bytes()).hexdigest()
        assert digest == f.sha256, f.relative_path


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (("mnist",), {}, ValueError, "the parameter 'dataset' must be one of"),
        (("office_caltech10", ["kitchen"]), {}, ValueError, "Unknown Office-Caltech-10 domain"),
        (("office31", ["caltech"]), {}, ValueError, "Unknown Office-31 domain"),
        (("office31",), {"feature": "vgg"}, ValueError, "the parameter 'feature'"),
        (("amazon_review", "books"), {}, TypeError, r"write \['books'\]"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        data_files(*args, **kwargs)
