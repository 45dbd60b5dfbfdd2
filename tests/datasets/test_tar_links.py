"""Tar extraction refuses link chains on every supported Python (issue 19, defect 4).

The chain ``d/up -> ..``, ``up2 -> d/up/..``, then ``up2/evil.txt`` passed
tlearn's own per-member check; only Python's ``filter="data"`` stopped it, with
``LinkOutsideDestinationError`` instead of the documented ``ValueError``, and a
Python without that filter (3.10.0-3.10.11, 3.11.0-3.11.3) wrote outside the
folder. tlearn now resolves the archive's links itself.
"""

import io
import tarfile

import pytest

from tlearn.datasets._base import safe_extract_tar


def _symlink(name, target):
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info, None


def _hardlink(name, target):
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE
    info.linkname = target
    return info, None


def _dir(name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info, None


def _file(name, data=b"x"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, io.BytesIO(data)


def _archive(path, members):
    with tarfile.open(path, "w") as tar:
        for info, data in members:
            tar.addfile(info, data)
    return path


def CHAIN():
    return [_dir("d"), _symlink("d/up", ".."), _symlink("up2", "d/up/.."), _file("up2/evil.txt")]


REFUSED = {
    "the reported chain": CHAIN,
    "the chain, links only": lambda: CHAIN()[:3],
    "a chain two links deep": lambda: [
        _dir("a"),
        _dir("a/b"),
        _symlink("a/b/up", ".."),
        _symlink("a/up", "b/up/.."),
        _symlink("top", "a/up/.."),
    ],
    "a link loop": lambda: [_symlink("x", "y"), _symlink("y", "x"), _symlink("z", "x/..")],
    "a file under a symlinked folder": lambda: [
        _dir("inside"),
        _symlink("alias", "inside"),
        _file("alias/f.txt"),
    ],
    "a hard link through a symlink": lambda: [_symlink("up", ".."), _hardlink("h", "up/secret")],
    "a hard link to a missing member": lambda: [_hardlink("h", "nowhere.txt")],
    "a symlink to an absolute path": lambda: [_symlink("abs", "/etc/passwd")],
}


@pytest.fixture(params=["with data filter", "without data filter"])
def old_python(request, monkeypatch):
    if request.param == "without data filter" and hasattr(tarfile, "data_filter"):
        monkeypatch.delattr(tarfile, "data_filter")
    return request.param


@pytest.mark.parametrize("members", REFUSED.values(), ids=REFUSED.keys())
def test_link_chains_are_refused_with_the_documented_error(tmp_path, old_python, members):
    work = tmp_path / "work"
    work.mkdir()
    archive = _archive(tmp_path / "a.tar", members())
    dest = work / "dest"
    with pytest.raises(ValueError, match="Refusing to extract"):
        safe_extract_tar(archive, dest)
    assert not dest.exists()
    assert sorted(p.name for p in work.iterdir()) == []  # no temporary folder left
    assert not (tmp_path / "evil.txt").exists() and not (work / "evil.txt").exists()


def test_links_that_stay_inside_still_extract(tmp_path, old_python):
    members = [
        _dir("data"),
        _file("data/a.txt", b"abc"),
        _symlink("data/b.txt", "a.txt"),
        _symlink("latest", "data"),
        _hardlink("copy.txt", "data/a.txt"),
    ]
    dest = safe_extract_tar(_archive(tmp_path / "ok.tar", members), tmp_path / "dest")
    assert (dest / "data" / "b.txt").read_bytes() == b"abc"
    assert (dest / "latest" / "a.txt").read_bytes() == b"abc"
    assert (dest / "copy.txt").read_bytes() == b"abc"


def test_a_filter_error_becomes_the_documented_error(tmp_path, monkeypatch):
    if not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python has no tarfile extraction filters")

    def refuse(self, path, members=None, **kwargs):
        raise tarfile.LinkOutsideDestinationError(members[0], str(path))

    monkeypatch.setattr(tarfile.TarFile, "extractall", refuse)
    archive = _archive(tmp_path / "a.tar", [_file("f.txt")])
    with pytest.raises(ValueError, match="Refusing to extract") as info:
        safe_extract_tar(archive, tmp_path / "dest")
    assert isinstance(info.value.__cause__, tarfile.TarError)
    assert not (tmp_path / "dest").exists()
