"""Safety of the download machinery (issue 19): tar links, folders that are files, temporaries.

- Tar extraction resolves every member through the links defined earlier in
  the archive and refuses, with the documented ``ValueError``, the tricks that
  passed tlearn's own check before (``d/up/../evil.txt`` through a symlink, a
  link made to point outside by a later link, a link replacing a folder, a
  backslash name), with and without ``tarfile.data_filter``.
- A folder of the data home that is a file is a clear error.
- Temporaries of dead downloads are removed by a later fetch of the same file,
  never those of a live download (in this process, another one, or on another
  machine), and pids are never probed where probing kills (Windows).
"""

import hashlib
import io
import os
import stat
import subprocess
import sys
import tarfile
import time

import pytest

from tlearn.datasets import _base
from tlearn.datasets._base import RemoteFile, fetch_file, safe_extract_tar

# ------------------------------------------------------------------ tar links


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
    info.mode = 0o755
    return info, None


def _file(name, data=b"x", mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    return info, io.BytesIO(data)


def _archive(path, members):
    with tarfile.open(path, "w") as tar:
        for info, data in members:
            tar.addfile(info, data)
    return path


def _tree(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def _chain():
    return [_dir("d"), _symlink("d/up", ".."), _symlink("up2", "d/up/.."), _file("up2/evil.txt")]


# id -> (members, words of the reason in the message)
REFUSED = {
    "the reported chain": (_chain, "up2.*through the symbolic link|resolves.*outside"),
    "dotdot through a symlink in a name": (
        lambda: [_dir("d"), _symlink("d/up", ".."), _file("d/up/../evil.txt")],
        "'d/up/../evil.txt'.*goes through the symbolic link 'd/up'",
    ),
    "dotdot through a symlink that stays inside": (
        lambda: [_dir("a/b"), _symlink("s", "a/b"), _file("s/../x.txt")],
        "'s/../x.txt'.*goes through the symbolic link 's'",
    ),
    "a chain through a hard link": (
        lambda: [_dir("d"), _symlink("d/up", ".."), _hardlink("up2", "d/up"), _file("evil.txt")],
        "'up2'.*hard link to 'd/up'",
    ),
    "a hard link through a symlink then '..'": (
        lambda: [_dir("d"), _symlink("d/up", ".."), _hardlink("h", "d/up/../secret")],
        "'h'.*hard link to 'd/up/../secret'",
    ),
    "a symlink to an absolute path": (
        lambda: [_symlink("abs", "/etc/passwd")],
        "'abs'.*absolute path",
    ),
    "a file under a symlinked folder that stays inside": (
        lambda: [_dir("inside"), _symlink("alias", "inside"), _file("alias/f.txt")],
        "'alias/f.txt'.*goes through the symbolic link 'alias'",
    ),
    "a later link that makes an earlier one leave": (
        lambda: [_symlink("s", "t/.."), _symlink("t", ".")],
        "'s'.*links defined later",
    ),
    "a link loop": (lambda: [_symlink("x", "y"), _symlink("y", "x")], "'x'.*loop"),
    "a chain two links deep": (
        lambda: [
            _dir("a/b"),
            _symlink("a/b/up", ".."),
            _symlink("a/up", "b/up/.."),
            _symlink("top", "a/up/.."),
        ],
        "'top'",
    ),
    "a hard link through a symlink": (
        lambda: [_symlink("up", ".."), _hardlink("h", "up/secret")],
        "'up'.*points outside the destination",
    ),
    "a hard link to a missing member": (
        lambda: [_hardlink("h", "nowhere.txt")],
        "'h'.*hard link to 'nowhere.txt'",
    ),
    "a symlink replacing a folder": (
        lambda: [_dir("x"), _file("x/y"), _symlink("x", "x")],
        "'x'.*replaces an earlier member",
    ),
    "a file replacing a symlink": (
        lambda: [_dir("in"), _symlink("s", "in/f"), _file("s")],
        "'s'.*replaces an earlier member",
    ),
    "a backslash in a link's name": (
        lambda: [_symlink("a\\b", "..")],
        "backslash",
    ),
    "a file under a regular file": (
        lambda: [_file("f"), _file("f/g")],
        "'f/g'.*goes through the file 'f'",
    ),
    "a link named like the destination": (
        lambda: [_symlink("./", "d")],
        "destination folder itself",
    ),
}


@pytest.fixture(params=["data filter", "no data filter (Python < 3.10.12 / 3.11.4)"])
def filters(request, monkeypatch):
    """Run with the running Python's tarfile, then as if it had no extraction filters."""
    if request.param.startswith("no"):
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
        assert not hasattr(tarfile, "data_filter")
    return request.param


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_link_tricks_are_refused_with_the_documented_error(tmp_path, filters, case):
    members, reason = case
    archive = _archive(tmp_path / "a.tar", members())
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(ValueError, match=f"Refusing to extract the tar member .*({reason})"):
        safe_extract_tar(archive, work / "dest")
    assert _tree(tmp_path) == ["a.tar", "work"]  # nothing outside, no half-extracted tree


def test_the_chain_without_filters_writes_nothing_outside(tmp_path, monkeypatch):
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    assert not hasattr(tarfile, "data_filter")
    archive = _archive(tmp_path / "a.tar", _chain())
    with pytest.raises(ValueError, match="Refusing to extract the tar member 'up2"):
        safe_extract_tar(archive, tmp_path / "work" / "dest")
    assert _tree(tmp_path) == ["a.tar"]


def test_a_filter_refusal_surfaces_as_the_documented_error(tmp_path, monkeypatch):
    """What the data filter refuses is a ValueError, even when tlearn's check lets it by."""
    if not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python has no tarfile extraction filters")
    monkeypatch.setattr(_base, "_check_links", lambda members: None)
    archive = _archive(tmp_path / "a.tar", _chain())
    with pytest.raises(ValueError, match="Refusing to extract") as info:
        safe_extract_tar(archive, tmp_path / "work" / "dest")
    assert isinstance(info.value.__cause__, tarfile.FilterError)
    assert _tree(tmp_path) == ["a.tar"]  # the folders made for it are removed too


def test_safe_archives_still_extract(tmp_path, filters):
    members = [
        _dir("."),
        _dir("./data"),
        _file("./data/a.txt", b"abc"),
        _dir("data"),  # a folder may repeat
        _symlink("data/b.txt", "a.txt"),
        _symlink("latest", "data"),
        _symlink("self", "."),
        _hardlink("copy.txt", "latest/a.txt"),  # through an inside symlink, to a file
        _dir("top"),
        _file("top/../other.txt", b"o"),  # '..' through a plain folder
    ]
    dest = safe_extract_tar(_archive(tmp_path / "ok.tar", members), tmp_path / "dest")
    assert (dest / "latest" / "b.txt").read_bytes() == b"abc"
    assert (dest / "copy.txt").read_bytes() == b"abc"
    assert (dest / "other.txt").read_bytes() == b"o"
    assert _tree(tmp_path) == ["dest", *(f"dest/{p}" for p in _tree(dest)), "ok.tar"]


def test_without_filters_modes_are_cleaned_like_the_data_filter(tmp_path, monkeypatch):
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    members = [_dir("d"), _file("d/run", mode=0o4777), _file("d/data", mode=0o666)]
    dest = safe_extract_tar(_archive(tmp_path / "a.tar", members), tmp_path / "dest")
    run = stat.S_IMODE((dest / "d" / "run").stat().st_mode)
    data = stat.S_IMODE((dest / "d" / "data").stat().st_mode)
    assert not run & (stat.S_ISUID | stat.S_IWGRP | stat.S_IWOTH) and run & stat.S_IXUSR
    assert not data & (stat.S_IWGRP | stat.S_IWOTH | stat.S_IXUSR) and data & stat.S_IWUSR


def test_an_extraction_folder_under_a_file(tmp_path):
    archive = _archive(tmp_path / "a.tar", [_file("f.txt")])
    (tmp_path / "office31").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="'.*office31'.* is a file, not a folder"):
        safe_extract_tar(archive, tmp_path / "office31" / "dest")


# ---------------------------------------------------- folders that are files

DATA = b"some bytes of a data file"


@pytest.fixture
def remote(tmp_path, monkeypatch):
    monkeypatch.delenv("TLEARN_DATA_MIRROR", raising=False)
    origin = tmp_path / "origin" / "file.bin"
    origin.parent.mkdir()
    origin.write_bytes(DATA)
    return RemoteFile("some_set", "file.bin", origin.as_uri(), hashlib.sha256(DATA).hexdigest())


@pytest.mark.parametrize("where", ["parent", "parent/home", "parent/home/some_set"])
def test_a_data_folder_that_is_a_file_names_it_and_the_way_out(tmp_path, remote, where):
    home = tmp_path / "parent" / "home"
    (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / where).write_text("not a folder")
    with pytest.raises(NotADirectoryError) as info:
        fetch_file(remote, data_home=home)
    message = str(info.value)
    assert repr(str(tmp_path / where)) in message
    assert "remove or rename that file" in message and "TLEARN_DATA_HOME" in message
    assert (tmp_path / where).read_text() == "not a folder"  # left as it was


# ----------------------------------------------------------- temporaries


def _part(folder, pid, host=None, token="abcdef012345", name="file.bin"):
    host = _base._host_tag() if host is None else host
    path = folder / f".{name}.{pid}.{token}.{host}.part"
    path.write_bytes(b"half")
    return path


def _age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


@pytest.fixture
def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temporaries_are_named_with_pid_and_machine(tmp_path):
    tmp, out = _base._open_new_temp(tmp_path, "file.bin")
    out.close()
    prefix = f".file.bin.{os.getpid()}."
    assert tmp.name.startswith(prefix) and tmp.name.endswith(f".{_base._host_tag()}.part")


def test_a_live_download_elsewhere_survives_and_is_removed_once_killed(tmp_path, remote):
    """A real process holds its temporary open; it is killed, and the next fetch cleans."""
    folder = tmp_path / "home" / "some_set"
    folder.mkdir(parents=True)
    code = (
        "import sys, time; f = open(sys.stdin.readline().strip(), 'wb'); f.write(b'half'); "
        "f.flush(); print('ok', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        tmp = folder / f".file.bin.{proc.pid}.0123456789ab.{_base._host_tag()}.part"
        proc.stdin.write(f"{tmp}\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "ok"
        assert fetch_file(remote, data_home=tmp_path / "home").read_bytes() == DATA
        assert tmp.exists()  # the live download keeps its file
    finally:
        proc.kill()
        proc.wait()
    fetch_file(remote, data_home=tmp_path / "home")  # the file is there: no download
    assert _tree(folder) == ["file.bin"]


def test_other_machines_and_other_files_keep_their_temporaries(tmp_path, remote, dead_pid):
    folder = tmp_path / "home" / "some_set"
    folder.mkdir(parents=True)
    ours = _part(folder, dead_pid)
    elsewhere = _part(folder, dead_pid, host="0badf00d")  # its pid does not run *here*
    gone_elsewhere = _part(folder, dead_pid, host="0badf00d", token="0123456789ab")
    _age(gone_elsewhere, 2 * _base.STALE_PART_SECONDS)
    other_file = _part(folder, dead_pid, name="file.bin.gz")  # '.file.bin.' is its prefix too
    other_legacy = folder / ".file.bin.gz.abcdef012345.part"
    other_legacy.write_bytes(b"half")
    for path in (other_file, other_legacy):
        _age(path, 2 * _base.STALE_PART_SECONDS)
    fetch_file(remote, data_home=tmp_path / "home")
    assert not ours.exists() and not gone_elsewhere.exists()
    assert elsewhere.exists() and other_file.exists() and other_legacy.exists()


def test_pids_are_never_probed_where_probing_kills(tmp_path, remote, dead_pid, monkeypatch):
    """On Windows os.kill(pid, 0) terminates the process: only the age rule applies there."""
    monkeypatch.setattr(_base, "_CAN_PROBE_PIDS", False)

    def kill(pid, sig):
        raise AssertionError(f"os.kill({pid}, {sig}) called")

    monkeypatch.setattr(_base.os, "kill", kill)
    folder = tmp_path / "home" / "some_set"
    folder.mkdir(parents=True)
    recent_dead = _part(folder, dead_pid)
    live = _part(folder, os.getpid(), token="0123456789ab")
    old = _part(folder, dead_pid, token="00000000000f")
    _age(old, 2 * _base.STALE_PART_SECONDS)
    fetch_file(remote, data_home=tmp_path / "home")
    assert recent_dead.exists() and live.exists() and not old.exists()
