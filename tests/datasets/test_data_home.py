"""Data-home faults (issue 19, part 5): a folder that is a file, and stale temporaries."""

import os
import subprocess
import sys
import time

import pytest

from tlearn.datasets import _base
from tlearn.datasets._base import RemoteFile, fetch_file, get_data_home

DATA = b"some bytes of a data file"


def _remote(tmp_path):
    import hashlib

    origin = tmp_path / "origin" / "file.bin"
    origin.parent.mkdir()
    origin.write_bytes(DATA)
    return RemoteFile("some_set", "file.bin", origin.as_uri(), hashlib.sha256(DATA).hexdigest())


def test_a_data_home_that_is_a_file(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder.*TLEARN_DATA_HOME"):
        get_data_home(home)
    with pytest.raises(NotADirectoryError, match="in the path of"):
        get_data_home(home / "below")


def test_a_data_set_folder_that_is_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("TLEARN_DATA_MIRROR", raising=False)
    remote = _remote(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "some_set").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="data set folder .*some_set.* is a file"):
        fetch_file(remote, data_home=home)


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_are_removed_live_ones_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("TLEARN_DATA_MIRROR", raising=False)
    remote = _remote(tmp_path)
    folder = tmp_path / "home" / "some_set"
    folder.mkdir(parents=True)
    dead = folder / f".file.bin.{_dead_pid()}.abcdef012345.part"
    live = folder / f".file.bin.{os.getpid()}.abcdef012345.part"
    old = folder / ".file.bin.abcdef012345.part"  # an older tlearn's name, no pid
    recent = folder / ".file.bin.0123456789ab.part"
    other = folder / ".other.bin.1.abcdef012345.part"  # another file's temporary
    for f in (dead, live, old, recent, other):
        f.write_bytes(b"half")
    past = time.time() - 2 * _base.STALE_PART_SECONDS
    os.utime(old, (past, past))
    path = fetch_file(remote, data_home=tmp_path / "home")
    assert path.read_bytes() == DATA
    assert not dead.exists() and not old.exists()
    assert live.exists() and recent.exists() and other.exists()


def test_a_killed_download_leaves_a_temporary_that_the_next_fetch_removes(tmp_path, monkeypatch):
    """A real process writes its temporary and is killed before the rename."""
    monkeypatch.delenv("TLEARN_DATA_MIRROR", raising=False)
    remote = _remote(tmp_path)
    folder = tmp_path / "home" / "some_set"
    folder.mkdir(parents=True)
    code = (
        "import sys, time; from pathlib import Path; from tlearn.datasets import _base; "
        "tmp, f = _base._open_new_temp(Path(sys.argv[1]), 'file.bin'); f.write(b'half'); "
        "f.flush(); print(tmp, flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        tmp = folder / os.path.basename(proc.stdout.readline().strip())
        assert tmp.exists()
    finally:
        proc.kill()
        proc.wait()
    fetch_file(remote, data_home=tmp_path / "home")
    assert not tmp.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["file.bin"]
