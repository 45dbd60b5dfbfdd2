"""Fixtures of the data-set loader tests.

- ``shared_data``: the folder of real benchmark files (``../shared/data`` beside
  the repository, or ``$TLEARN_SHARED_DATA``); tests using it are marked
  ``shared_data`` and skipped when it is absent.
- ``serve``: starts loopback HTTP servers (127.0.0.1, free port) on a folder.
- ``data_home``: a fresh, empty data home set through ``TLEARN_DATA_HOME``.
- ``mirrored``: ``data_home`` plus ``TLEARN_DATA_MIRROR`` pointing to a loopback
  server of the shared data.
- ``list_tree``: lists what a folder holds (to check nothing was left behind).
- ``url_log`` (autouse): records every URL the loaders open and fails the test
  on any URL that is neither ``file://`` nor on 127.0.0.1, so that no test ever
  reaches the network.
"""

from __future__ import annotations

import http.server
import os
import socket
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

SHARED_DATA_ENV = "TLEARN_SHARED_DATA"
DATA_HOME_ENV = "TLEARN_DATA_HOME"
MIRROR_ENV = "TLEARN_DATA_MIRROR"


def shared_data_path() -> Path:
    """Folder of the real benchmark files."""
    env = os.environ.get(SHARED_DATA_ENV)
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_path()
    if not path.is_dir():
        pytest.skip(
            f"shared benchmark data not found at {path} (set {SHARED_DATA_ENV} to the "
            "folder holding office_caltech10_surf/ and amazon_review_400/)"
        )
    return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that logs requests in ``server.requests``, not stderr."""

    def log_request(self, code="-", size="-"):
        self.server.requests.append((self.path, int(code) if str(code).isdigit() else code))

    def log_message(self, format, *args):
        pass


class TruncatingHandler(QuietHandler):
    """Announces the full Content-Length, sends half the bytes, closes the connection."""

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture
def truncating_handler():
    """Handler class for ``serve``: sends half of each file after a full Content-Length."""
    return TruncatingHandler


@dataclass
class LoopbackServer:
    server: http.server.ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list:
        return self.server.requests

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture
def serve():
    """Factory: ``serve(directory, handler=QuietHandler) -> LoopbackServer``."""
    servers = []

    def start(directory, handler=QuietHandler):
        directory = str(directory)

        class Handler(handler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=directory, **kwargs)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.requests = []
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        loopback = LoopbackServer(server, thread)
        servers.append(loopback)
        return loopback

    yield start
    for loopback in servers:
        loopback.stop()


@pytest.fixture
def dead_url() -> str:
    """URL of a loopback port that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """A fresh data home (not created yet), with no mirror set."""
    home = tmp_path / "data_home"
    monkeypatch.setenv(DATA_HOME_ENV, str(home))
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    return home


@dataclass
class Mirrored:
    home: Path
    server: LoopbackServer


@pytest.fixture
def mirrored(shared_data, serve, data_home, monkeypatch) -> Mirrored:
    """A fresh data home whose mirror is a loopback server of the shared data."""
    server = serve(shared_data)
    monkeypatch.setenv(MIRROR_ENV, server.url)
    return Mirrored(data_home, server)


@pytest.fixture(autouse=True)
def url_log(monkeypatch) -> list:
    """Record the URLs opened through urllib; refuse anything off loopback."""
    opened = []
    real_urlopen = urllib.request.urlopen

    def guarded_urlopen(url, *args, **kwargs):
        full = url.full_url if isinstance(url, urllib.request.Request) else str(url)
        parts = urllib.parse.urlsplit(full)
        if parts.scheme != "file" and parts.hostname != "127.0.0.1":
            pytest.fail(f"a test tried to open a non-loopback URL: {full}")
        opened.append(full)
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", guarded_urlopen)
    return opened


def _list_tree(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.fixture
def list_tree():
    """``list_tree(root)``: every path below root (relative, sorted), [] if absent."""
    return _list_tree
