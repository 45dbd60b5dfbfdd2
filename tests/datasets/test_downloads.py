"""What a download guarantees beyond fetching bytes (issue 18, "one structure").

tlearn keeps its own download step instead of ``sklearn.datasets.fetch_file``
(``docs/design.md``, "Downloads: why not sklearn.datasets.fetch_file"). Each
test here pins a guarantee that scikit-learn's function (1.9.1) does not give,
so that the difference is seen if the download step is ever replaced:

- a server that accepts the connection and never answers is an error after the
  timeout, not a call that never returns;
- the request names tlearn (a User-Agent of its own);
- a downloaded file gets the permissions of any new file (the umask), not 0600;
- a corrupted file in the data home is refused even when the mirror could
  replace it: it is never overwritten behind the user's back;
- one attempt per call: a failure is reported at once, without retries;
- nothing is printed, warned or logged, on success or on failure;
- two processes fetching the same file at once both succeed and leave one
  verified copy and no temporary.
"""

from __future__ import annotations

import hashlib
import http.server
import logging
import os
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from tlearn.datasets import _base
from tlearn.datasets._base import ChecksumError, DatasetUnavailableError, RemoteFile, fetch_file

REPO = Path(__file__).resolve().parents[2]
CONTENT = np.random.default_rng(1).bytes(200_000)
REMOTE = RemoteFile(
    "synthetic",
    "blob.bin",
    "https://example.invalid/synthetic/blob.bin",
    hashlib.sha256(CONTENT).hexdigest(),
)


@pytest.fixture
def mirror(tmp_path) -> Path:
    """A mirror folder holding REMOTE."""
    root = tmp_path / "mirror"
    (root / REMOTE.folder).mkdir(parents=True)
    (root / REMOTE.folder / REMOTE.filename).write_bytes(CONTENT)
    return root


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; each request is recorded in ``server.requests`` (as conftest's)."""

    def log_request(self, code="-", size="-"):
        self.server.requests.append((self.path, int(code) if str(code).isdigit() else code))

    def log_message(self, format, *args):
        pass


def _in_thread(call, seconds):
    """Run ``call()`` in a thread; return its result or exception, or fail if it hangs."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as err:  # handed to the test
            outcome["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the call did not return within {seconds} s"
    return outcome


def test_a_server_that_never_answers_is_an_error_after_the_timeout(
    data_home, monkeypatch, list_tree
):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections are accepted by the kernel; nothing is ever sent
        host, port = silent.getsockname()
        monkeypatch.setenv("TLEARN_DATA_MIRROR", f"http://{host}:{port}")
        monkeypatch.setattr(_base, "_TIMEOUT", 0.3)
        start = time.monotonic()
        outcome = _in_thread(lambda: fetch_file(REMOTE), seconds=20)
        elapsed = time.monotonic() - start
    error = outcome.get("error")
    assert isinstance(error, DatasetUnavailableError), outcome
    assert "timed out" in str(error) and str(data_home / REMOTE.relative_path) in str(error)
    assert isinstance(error.__cause__, (TimeoutError, urllib.error.URLError))
    assert elapsed < 10
    assert list_tree(data_home) == []


class AgentHandler(QuietHandler):
    """Records the User-Agent of each request in ``server.agents``."""

    def do_GET(self):
        self.server.agents.append(self.headers.get("User-Agent"))
        super().do_GET()


def test_the_request_names_tlearn(mirror, serve, data_home, monkeypatch):
    server = serve(mirror, handler=AgentHandler)
    server.server.agents = []
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    fetch_file(REMOTE)
    assert len(server.server.agents) == 1
    agent = server.server.agents[0]
    assert agent.startswith("tlearn-datasets") and not agent.startswith("Python-urllib")


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_a_downloaded_file_gets_the_permissions_of_a_new_file(mirror, data_home, monkeypatch):
    monkeypatch.setenv("TLEARN_DATA_MIRROR", mirror.as_uri())
    path = fetch_file(REMOTE)
    probe = path.parent / "probe"
    probe.touch()  # 0o666 minus the umask, as any program's new file
    expected = stat.S_IMODE(probe.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == expected
    assert expected & stat.S_IRUSR and not expected & stat.S_IXUSR


def test_a_corrupted_file_is_refused_even_when_the_mirror_could_replace_it(
    mirror, serve, data_home, monkeypatch
):
    server = serve(mirror)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    path = data_home / REMOTE.folder / REMOTE.filename
    path.parent.mkdir(parents=True)
    path.write_bytes(b"a file the user put there")
    with pytest.raises(ChecksumError, match="Delete it"):
        fetch_file(REMOTE)
    assert path.read_bytes() == b"a file the user put there"
    assert server.requests == []  # not downloaded again over it


def test_one_attempt_per_call(tmp_path, serve, data_home, monkeypatch, dead_url, url_log):
    empty = tmp_path / "empty"
    empty.mkdir()
    server = serve(empty)
    monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
    with pytest.raises(DatasetUnavailableError, match="HTTP 404"):
        fetch_file(REMOTE)
    assert server.requests == [(f"/{REMOTE.relative_path}", 404)]

    monkeypatch.setenv("TLEARN_DATA_MIRROR", dead_url)
    url_log.clear()
    with pytest.raises(DatasetUnavailableError, match="ConnectionRefusedError|refused"):
        fetch_file(REMOTE)
    assert url_log == [f"{dead_url}/{REMOTE.relative_path}"]


def test_nothing_is_printed_warned_or_logged(
    mirror, tmp_path, serve, truncating_handler, data_home, monkeypatch, recwarn, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    bad = tmp_path / "bad_mirror"
    (bad / REMOTE.folder).mkdir(parents=True)
    (bad / REMOTE.folder / REMOTE.filename).write_bytes(CONTENT[:-1] + b"!")
    cases = [
        (serve(tmp_path), DatasetUnavailableError),  # 404
        (serve(mirror, handler=truncating_handler), DatasetUnavailableError),
        (serve(bad), ChecksumError),
        (serve(mirror), None),  # success
    ]
    for server, error in cases:
        monkeypatch.setenv("TLEARN_DATA_MIRROR", server.url)
        if error is None:
            fetch_file(REMOTE)
        else:
            with pytest.raises(error):
                fetch_file(REMOTE)
    (data_home / REMOTE.relative_path).write_bytes(b"corrupted")
    with pytest.raises(ChecksumError):
        fetch_file(REMOTE)
    assert [len(s.requests) for s, _ in cases] == [1, 1, 1, 1]
    assert [str(w.message) for w in recwarn] == []
    assert caplog.records == []
    assert capfd.readouterr() == ("", "")


class BarrierHandler(QuietHandler):
    """Answers only once ``server.barrier`` is reached by as many requests as it has parties."""

    def do_GET(self):
        self.server.barrier.wait()
        super().do_GET()


_FETCH_IN_A_PROCESS = (
    "import sys; from tlearn.datasets._base import RemoteFile, fetch_file; "
    "print(fetch_file(RemoteFile(*sys.argv[1:5])), flush=True)"
)


def test_two_processes_fetching_at_once_end_with_one_verified_copy(
    mirror, serve, tmp_path, list_tree
):
    server = serve(mirror, handler=BarrierHandler)
    server.server.barrier = threading.Barrier(2, timeout=60)  # both downloads in flight at once
    home = tmp_path / "home"
    env = {**os.environ, "TLEARN_DATA_HOME": str(home), "TLEARN_DATA_MIRROR": server.url}
    argv = [sys.executable, "-c", _FETCH_IN_A_PROCESS, *REMOTE.__dict__.values()]
    procs = [
        subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err.decode()
        assert out.decode().strip() == str(home / REMOTE.relative_path)
        assert err == b""
    assert server.requests == [(f"/{REMOTE.relative_path}", 200)] * 2  # both downloaded
    assert list_tree(home) == [REMOTE.folder, REMOTE.relative_path]  # no temporary left
    assert hashlib.sha256((home / REMOTE.relative_path).read_bytes()).hexdigest() == REMOTE.sha256
