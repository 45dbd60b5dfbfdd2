"""Shared download machinery of the data-set loaders.

Every file a loader needs is described by a :class:`RemoteFile`: the folder
and name it gets in the data home, the public URL it comes from and its
SHA-256. :func:`fetch_file` returns the local path of such a file, downloading
it first when it is missing, and refuses any file whose SHA-256 differs.

Where files come from
---------------------
- The data home is ``data_home`` when given, else the environment variable
  ``TLEARN_DATA_HOME``, else ``~/tlearn_data``. A file lives at
  ``<data_home>/<folder>/<filename>``.
- When the environment variable ``TLEARN_DATA_MIRROR`` is set (a base URL
  starting with ``http://``, ``https://`` or ``file://``), files are
  downloaded from ``<mirror>/<folder>/<filename>`` **instead of** their
  public origin: the mirror replaces the origin, which is then never tried.
  This lets air-gapped machines and CI use a local copy.
- Files placed by hand in the data home are used as they are, once their
  SHA-256 has been checked.

Nothing is ever unpickled; downloads are written to a temporary file in the
destination folder and renamed into place only once complete and verified.
The download step is tlearn's own, not ``sklearn.datasets.fetch_file``, which
has no timeout and no User-Agent of its own (docs/design.md, "Downloads").
"""

from __future__ import annotations

import hashlib
import http.client
import os
import posixpath
import secrets
import shutil
import socket
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

__all__ = [
    "ChecksumError",
    "DatasetUnavailableError",
    "RemoteFile",
    "fetch_file",
    "get_data_home",
    "safe_extract_tar",
]

DATA_HOME_ENV = "TLEARN_DATA_HOME"
MIRROR_ENV = "TLEARN_DATA_MIRROR"
DEFAULT_DATA_HOME = "~/tlearn_data"

_CHUNK_SIZE = 1 << 16
_TIMEOUT = 60.0
_USER_AGENT = "tlearn-datasets (python-urllib)"
_MIRROR_SCHEMES = ("http", "https", "file")

# Verified files: (path, device, inode, size, mtime_ns, ctime_ns) -> sha256.
# Avoids hashing a large file again on every call within one process.
_VERIFIED: dict[tuple, str] = {}
_VERIFIED_LOCK = threading.Lock()


class DatasetUnavailableError(OSError):
    """A data file is missing and could not be downloaded.

    The message names the exact path where the file is expected in the data
    home, its SHA-256, the URL it can be downloaded from and the
    ``TLEARN_DATA_MIRROR`` environment variable that points the loaders to a
    mirror. When a download failed, the underlying error is chained
    (``__cause__``). It is an :class:`OSError`.

    See Also
    --------
    ChecksumError : a file is there but is not the expected one.

    Examples
    --------
    >>> import tempfile
    >>> from tlearn.datasets import DatasetUnavailableError, fetch_amazon_review
    >>> with tempfile.TemporaryDirectory() as home:
    ...     try:
    ...         fetch_amazon_review("books", data_home=home, download_if_missing=False)
    ...     except DatasetUnavailableError as error:
    ...         message = str(error)
    >>> message.startswith("Data file 'amazon_review_400/books_400.mat' is not available")
    True
    """


class ChecksumError(ValueError):
    """A data file does not have the expected SHA-256.

    Raised for a corrupted file found in the data home (delete it and call
    again) and for a download whose content differs from the expected file
    (nothing is kept in that case). It is a :class:`ValueError`.

    See Also
    --------
    DatasetUnavailableError : a file is missing and cannot be downloaded.

    Examples
    --------
    A file in the data home that is not the expected one is refused, never
    read:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from tlearn.datasets import ChecksumError, fetch_office_caltech10
    >>> with tempfile.TemporaryDirectory() as home:
    ...     path = Path(home, "office_caltech10_surf", "dslr.mat")
    ...     path.parent.mkdir()
    ...     _ = path.write_bytes(b"not the file")
    ...     try:
    ...         fetch_office_caltech10("dslr", data_home=home)
    ...     except ChecksumError as error:
    ...         print("Delete it and call again" in str(error))
    True
    """


@dataclass(frozen=True)
class RemoteFile:
    """One data file: where it is stored and where it comes from.

    Parameters
    ----------
    folder : str
        Folder of the file in the data home and on a mirror.
    filename : str
        File name, in the data home (``<data_home>/<folder>/<filename>``) and
        on a mirror (``<mirror>/<folder>/<filename>``).
    url : str
        Public origin of the file.
    sha256 : str
        Expected SHA-256 of the file, 64 hexadecimal digits.
    """

    folder: str
    filename: str
    url: str
    sha256: str

    def __post_init__(self):
        for name in ("folder", "filename"):
            value = getattr(self, name)
            if (
                not isinstance(value, str)
                or not value
                or value in (".", "..")
                or "/" in value
                or "\\" in value
            ):
                raise ValueError(f"RemoteFile.{name} must be a plain name, got {value!r}.")
        digest = self.sha256
        if (
            not isinstance(digest, str)
            or len(digest) != 64
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise ValueError(
                f"RemoteFile.sha256 must be 64 lowercase hexadecimal digits, got {digest!r}."
            )

    @property
    def relative_path(self) -> str:
        """``<folder>/<filename>``, the path inside a data home or a mirror."""
        return f"{self.folder}/{self.filename}"


def get_data_home(data_home=None) -> Path:
    """Return the folder where data files are stored, creating it if needed.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder to use. When None, the environment variable
        ``TLEARN_DATA_HOME`` is used if set and non-empty, else
        ``~/tlearn_data``. A leading ``~`` is expanded.

    Returns
    -------
    data_home : pathlib.Path
        The folder, which exists on return.

    See Also
    --------
    sklearn.datasets.get_data_home : scikit-learn's own, with the same role.

    Notes
    -----
    Files live at ``<data_home>/<data set folder>/<file name>``; the
    environment variable ``TLEARN_DATA_MIRROR`` changes where missing files
    are downloaded from, not where they are stored.

    Examples
    --------
    >>> import os, tempfile
    >>> from tlearn.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     home = get_data_home(os.path.join(tmp, "tlearn_data"))
    ...     print(home.name, home.is_dir())
    tlearn_data True
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or DEFAULT_DATA_HOME
    path = Path(os.fspath(data_home)).expanduser()
    _check_not_a_file(path, "data home")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a parent folder is a file
        _check_not_a_file(path, "data home")
        raise
    return path


def _check_not_a_file(folder: Path, what: str) -> None:
    """Raise a clear ``NotADirectoryError`` when ``folder`` or a parent of it is a file."""
    for candidate in (folder, *folder.parents):
        if candidate.exists() and not candidate.is_dir():
            where = "" if candidate == folder else f" (in the path of {str(folder)!r})"
            raise NotADirectoryError(
                f"The {what} folder {str(candidate)!r}{where} is a file, not a folder: "
                f"remove or rename that file, or set {DATA_HOME_ENV} to another folder."
            )


def _unavailable_message(remote: RemoteFile, path: Path, reason: str) -> str:
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if mirror:
        mirror_text = (
            f"The mirror {MIRROR_ENV}={mirror!r} is used instead of the origin; it must hold "
            f"the file at <mirror>/{remote.relative_path}."
        )
    else:
        mirror_text = (
            f"Alternatively set the environment variable {MIRROR_ENV} to the base URL "
            f"(http://, https:// or file://) of a mirror holding it at "
            f"<mirror>/{remote.relative_path} (the mirror is then used instead of the origin)."
        )
    return (
        f"Data file {remote.relative_path!r} is not available: {reason}. "
        f"Place the file at {str(path)!r} (SHA-256 {remote.sha256}). "
        f"It can be downloaded from {remote.url} . {mirror_text}"
    )


def _stat_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remember(path: Path, sha256: str) -> None:
    try:
        key = _stat_key(path)
    except OSError:
        return
    with _VERIFIED_LOCK:
        _VERIFIED[key] = sha256


def _verify_existing(path: Path, remote: RemoteFile) -> None:
    key = _stat_key(path)
    with _VERIFIED_LOCK:
        known = _VERIFIED.get(key)
    if known == remote.sha256:
        return
    actual = _sha256_of(path)
    if actual != remote.sha256:
        raise ChecksumError(
            f"The file {str(path)!r} is corrupted or is not the expected file: its SHA-256 "
            f"is {actual}, expected {remote.sha256}. Delete it and call again to download it "
            f"afresh (from {remote.url}, or from the mirror set by {MIRROR_ENV}), or replace "
            "it by a good copy."
        )
    _remember(path, actual)


def _source_url(remote: RemoteFile, path: Path) -> str:
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if not mirror:
        return remote.url
    scheme = urllib.parse.urlsplit(mirror).scheme.lower()
    if scheme not in _MIRROR_SCHEMES:
        raise DatasetUnavailableError(
            _unavailable_message(
                remote,
                path,
                f"{MIRROR_ENV}={mirror!r} is not an http://, https:// or file:// URL",
            )
        )
    quoted = "/".join(urllib.parse.quote(part) for part in (remote.folder, remote.filename))
    return f"{mirror.rstrip('/')}/{quoted}"


def _make_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; return those created, deepest first."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            pass
    return missing


def _remove_empty_dirs(created: list[Path]) -> None:
    for directory in created:  # deepest first
        try:
            directory.rmdir()
        except OSError:
            break


#: A temporary download without a live writer is removed once older than this (seconds).
STALE_PART_SECONDS = 3600

# os.kill(pid, 0) probes a process on POSIX, but on Windows it terminates it:
# there, liveness is never probed and only the age rule applies (and Windows
# refuses to delete a file that a live download holds open anyway).
_CAN_PROBE_PIDS = os.name != "nt"

_TOKEN_DIGITS = 12  # hexadecimal digits of the random part of a temporary's name


def _host_tag() -> str:
    """8 hexadecimal digits naming this machine and pid namespace.

    Written into the name of each temporary, so that a data home shared by
    several machines (or containers) never has a live download of another one
    taken for a dead one of ours because its pid does not run here.
    """
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = ""
    return hashlib.sha256(f"{socket.gethostname()}:{namespace}".encode()).hexdigest()[:8]


def _pid_alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs on this machine; None when it cannot be told."""
    if not _CAN_PROBE_PIDS:
        return None
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    except OSError:  # we cannot tell
        return None
    return True


def _is_hex(text: str, digits: int) -> bool:
    return len(text) == digits and all(c in "0123456789abcdef" for c in text)


def _part_writer(fields: list[str]):
    """Parse the middle of a temporary's name: ``(pid or None, host tag or None)``.

    Returns None when the fields are not those of a temporary of tlearn.
    Names are ``<pid>.<token>.<host>`` (this version), ``<pid>.<token>``
    (pid only, taken to be of this machine) or ``<token>`` (an older tlearn).
    """
    if len(fields) == 1 and _is_hex(fields[0], _TOKEN_DIGITS):
        return None, None
    if 2 <= len(fields) <= 3 and fields[0].isdigit() and _is_hex(fields[1], _TOKEN_DIGITS):
        if len(fields) == 2:
            return int(fields[0]), None
        if _is_hex(fields[2], 8):
            return int(fields[0]), fields[2]
    return None


def _is_stale(entry: Path, pid, host) -> bool:
    if pid is not None and host in (None, _host_tag()):
        alive = _pid_alive(pid)
        if alive is not None:
            return not alive
    # No pid, another machine's, or a pid that cannot be probed: by age. A live
    # download keeps its file's modification time recent while it writes.
    return time.time() - entry.stat().st_mtime > STALE_PART_SECONDS


def _remove_stale_parts(folder: Path, name: str) -> None:
    """Remove the temporaries ``.<name>.<pid>.<token>.<host>.part`` of downloads that died.

    A temporary written on this machine whose writer (the pid in its name) no
    longer runs is removed at once; one without a pid in its name (an older
    tlearn), of another machine, or whose pid cannot be probed (Windows) only
    once it has not been written to for :data:`STALE_PART_SECONDS`. A download
    still running in a live process keeps its file; so do the temporaries of
    other files.
    """
    prefix = f".{name}."
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".part")):
            continue
        writer = _part_writer(entry.name[len(prefix) : -len(".part")].split("."))
        if writer is None:
            continue
        try:
            if _is_stale(entry, *writer):
                entry.unlink()
        except OSError:  # gone already, or not ours to remove
            continue


def _open_new_temp(folder: Path, name: str):
    """Open a new uniquely named file in ``folder`` (``.<name>.<pid>.<token>.<host>.part``)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        token = secrets.token_hex(_TOKEN_DIGITS // 2)
        tmp = folder / f".{name}.{os.getpid()}.{token}.{_host_tag()}.part"
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        return tmp, os.fdopen(fd, "wb")


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length") if response.headers else None
    if value is None:
        return None
    try:
        length = int(value.strip())
    except ValueError:
        return None
    return length if length >= 0 else None


def _download(url: str, path: Path, remote: RemoteFile) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    tmp, out = _open_new_temp(path.parent, path.name)
    try:
        digest = hashlib.sha256()
        expected = None
        received = 0
        with out:
            try:
                with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                    expected = _content_length(response)
                    while True:
                        chunk = response.read(_CHUNK_SIZE)
                        if not chunk:
                            break
                        out.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                if expected is not None and received != expected:
                    # http.client returns b"" when the server closes the connection
                    # early instead of raising: compare with Content-Length.
                    raise http.client.IncompleteRead(b"", max(expected - received, 0))
                out.flush()
                os.fsync(out.fileno())
            except (OSError, http.client.HTTPException, ValueError) as err:
                # URLError, HTTPError, timeouts and connection resets are OSErrors;
                # IncompleteRead and protocol errors are HTTPExceptions; a malformed
                # URL raises ValueError.
                if isinstance(err, urllib.error.HTTPError):
                    reason = f"downloading {url} failed with HTTP {err.code} {err.reason}"
                    err.close()  # an HTTPError holds the response and its socket
                elif isinstance(err, http.client.IncompleteRead):
                    announced = "unknown" if expected is None else expected
                    reason = (
                        f"the download of {url} was cut short ({received} bytes received, "
                        f"{announced} announced)"
                    )
                else:
                    reason = f"downloading {url} failed ({type(err).__name__}: {err})"
                raise DatasetUnavailableError(_unavailable_message(remote, path, reason)) from err
        actual = digest.hexdigest()
        if actual != remote.sha256:
            raise ChecksumError(
                f"The file downloaded from {url} has SHA-256 {actual}, expected "
                f"{remote.sha256} for {remote.relative_path!r}: the server holds a different "
                "or corrupted file. Nothing was kept in the data home."
            )
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _remember(path, remote.sha256)


def fetch_file(remote: RemoteFile, data_home=None, download_if_missing=True) -> Path:
    """Return the local path of a data file, downloading it when missing.

    Parameters
    ----------
    remote : RemoteFile
        The file.
    data_home : str or path-like, default=None
        Data home, see :func:`get_data_home`.
    download_if_missing : bool, default=True
        When False, a missing file raises :class:`DatasetUnavailableError`
        instead of being downloaded.

    Returns
    -------
    path : pathlib.Path
        ``<data_home>/<remote.folder>/<remote.filename>``, whose SHA-256 is
        ``remote.sha256``.

    Raises
    ------
    ChecksumError
        The file in the data home, or the downloaded content, does not have
        the expected SHA-256. A corrupted download leaves nothing behind; a
        corrupted file already in the data home must be deleted by the user.
    DatasetUnavailableError
        The file is missing and could not be downloaded (or
        ``download_if_missing`` is False). The message says where to place it.

    Notes
    -----
    When the environment variable ``TLEARN_DATA_MIRROR`` is set, the file is
    downloaded from ``<mirror>/<folder>/<filename>`` and the public origin is
    never tried. Downloads go to a temporary file in the destination folder,
    hashed while written, and are renamed into place (atomically) only when
    complete and verified. Temporaries of this file left by downloads that
    died (killed processes) are removed on every call; those of downloads
    still running elsewhere are kept.
    """
    home = get_data_home(data_home)
    folder = home / remote.folder
    _check_not_a_file(folder, "data set")
    _remove_stale_parts(folder, remote.filename)
    path = folder / remote.filename
    if path.is_file():
        _verify_existing(path, remote)
        return path
    if path.exists():
        raise DatasetUnavailableError(
            _unavailable_message(remote, path, f"{str(path)!r} exists but is not a file")
        )
    if not download_if_missing:
        raise DatasetUnavailableError(
            _unavailable_message(
                remote, path, "it is not in the data home and download_if_missing=False"
            )
        )
    url = _source_url(remote, path)
    created = _make_dirs(folder)
    try:
        _download(url, path, remote)
    except BaseException:
        _remove_empty_dirs(created)
        raise
    return path


# --------------------------------------------------------------------------- tar


def _is_absolute(name: str) -> bool:
    return (
        name.startswith(("/", "\\"))
        or PurePosixPath(name).is_absolute()
        or bool(PureWindowsPath(name).drive)
        or PureWindowsPath(name).is_absolute()
    )


def _escapes(relative: str) -> bool:
    """Whether a '/'-separated path relative to the extraction root leaves it."""
    normalised = posixpath.normpath(relative)
    return normalised == ".." or normalised.startswith("../")


def _refuse(member: tarfile.TarInfo, why: str) -> ValueError:
    return ValueError(f"Refusing to extract the tar member {member.name!r}: {why}.")


def _check_member(member: tarfile.TarInfo) -> None:
    """Checks of one member on its own: name, type and the text of a link target."""
    name = member.name
    if not name or "\x00" in name:
        raise _refuse(member, "invalid name")
    if "\\" in name:
        # A separator on Windows, a plain character elsewhere: refused on every
        # system so that the checks below mean the same everywhere.
        raise _refuse(member, "backslash in its name")
    if _is_absolute(name):
        raise _refuse(member, "absolute path")
    if _escapes(name):
        raise _refuse(member, "its path leaves the destination")
    if member.isdev():
        raise _refuse(member, "device file or FIFO")
    if member.issym() or member.islnk():
        target = member.linkname
        if not target or _is_absolute(target):
            raise _refuse(member, f"link to absolute path {target!r}")
        if "\x00" in target or "\\" in target:
            raise _refuse(member, f"invalid link target {target!r}")
        if member.issym():
            # Symbolic links are relative to the member's own folder.
            resolved = posixpath.join(posixpath.dirname(name), target)
        else:
            # Hard links name another member, relative to the archive root.
            resolved = target
        if _escapes(resolved):
            raise _refuse(member, f"link to {target!r} points outside the destination")
    elif not (member.isfile() or member.isdir()):
        raise _refuse(member, "unsupported member type")


_ESCAPE = None  # what _resolve returns for a path that leaves the destination


def _resolve(path: str, symlinks: dict, depth: int = 0):
    """Resolve a '/'-separated path through the archive's own symbolic links.

    ``symlinks`` maps the normalised path of each symbolic-link member to its
    target. Every component is resolved in turn, as the file system does (a
    link first, then a ``..`` after it). Returns the normalised path inside the
    destination (``""`` for the destination itself), or ``_ESCAPE`` when some
    step of the resolution leaves it (or the links loop).
    """
    if depth > 40:
        return _ESCAPE
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return _ESCAPE
            parts.pop()
            continue
        parts.append(part)
        here = "/".join(parts)
        if here in symlinks:
            base = posixpath.dirname(here)
            target = _resolve(posixpath.join(base, symlinks[here]), symlinks, depth + 1)
            if target is _ESCAPE:
                return _ESCAPE
            parts = target.split("/") if target else []
    return "/".join(parts)


def _member_path(member: tarfile.TarInfo, kinds: dict, symlinks: dict) -> str:
    """The normalised path a member is written to, over the virtual tree so far.

    Every folder the path goes through (``..`` included) must be a plain
    folder: one that is a symbolic-link member or a regular file is refused.
    The folders gone through are recorded in ``kinds`` as folders.
    """
    parts: list[str] = []
    for part in member.name.split("/"):
        if part in ("", "."):
            continue
        if parts:  # the path goes through parts, as a folder
            here = "/".join(parts)
            if here in symlinks:
                raise _refuse(member, f"its path goes through the symbolic link {here!r}")
            if kinds.setdefault(here, "dir") != "dir":
                raise _refuse(member, f"its path goes through the file {here!r}")
        if part == "..":
            if not parts:
                raise _refuse(member, "its path leaves the destination")
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return "symlink"
    return "dir" if member.isdir() else "file"  # a hard link is one more name of a file


def _check_links(members) -> None:
    """Refuse link tricks: the archive's links resolved as the file system would.

    Checked member by member, in archive order, over a virtual tree of the
    members seen so far (regular files, folders, symbolic and hard links):

    - a member whose path goes through a symbolic-link member (whatever that
      link points to, inside or out) or through a regular file is refused;
    - a member may repeat the path of an earlier one only when both are
      folders or both regular files: nothing replaces a link, a link replaces
      nothing, a file does not replace a folder;
    - a symbolic link whose target, resolved through the earlier links, leaves
      the destination is refused, and so is a hard link to anything but an
      earlier regular file;
    - once all members are seen, every symbolic link is resolved again through
      all the archive's links, so that a link defined later cannot make an
      earlier one point outside (``s -> t/..`` then ``t -> .``).

    This needs no help from :mod:`tarfile`'s extraction filters, so it holds on
    every Python that tlearn supports.
    """
    kinds: dict[str, str] = {}
    symlinks: dict[str, str] = {}
    named: dict[str, tarfile.TarInfo] = {}
    for member in members:
        path = _member_path(member, kinds, symlinks)
        kind = _kind(member)
        if not path and kind != "dir":
            raise _refuse(member, "it names the destination folder itself")
        earlier = kinds.get(path)
        if earlier is not None and (kind == "symlink" or earlier != kind):
            raise _refuse(member, f"it replaces an earlier member ({earlier}) of the same path")
        if member.issym():
            target = posixpath.join(posixpath.dirname(path), member.linkname)
            if _resolve(target, symlinks) is _ESCAPE:
                raise _refuse(
                    member,
                    f"link to {member.linkname!r} resolves, through the archive's links, "
                    "outside the destination",
                )
            symlinks[path] = member.linkname
            named[path] = member
        elif member.islnk() and kinds.get(_resolve(member.linkname, symlinks)) != "file":
            raise _refuse(
                member,
                f"hard link to {member.linkname!r}, which is not an earlier regular file "
                "of the archive",
            )
        kinds[path] = kind
    for path, link in symlinks.items():
        if _resolve(posixpath.join(posixpath.dirname(path), link), symlinks) is _ESCAPE:
            raise _refuse(
                named[path],
                f"link to {link!r} resolves, through links defined later in the archive, "
                "outside the destination (or into a loop)",
            )


def _plain_attributes(member: tarfile.TarInfo) -> None:
    """What ``filter="data"`` does to modes and owners, for a Python without it.

    No set-user-ID, set-group-ID or sticky bit, no write permission for group
    and others, owner read and write kept; the owner and group of the archive
    are not applied (even when running as root).
    """
    if member.isfile():
        mode = (member.mode & 0o755) | 0o600
        member.mode = mode if mode & 0o100 else mode & ~0o111
    elif member.isdir():
        member.mode = (member.mode & 0o755) | 0o700
    member.uid = member.gid = -1
    member.uname = member.gname = ""


def _new_temp_dir(parent: Path, name: str) -> Path:
    while True:
        tmp = parent / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            tmp.mkdir(mode=0o777)  # honours the umask, unlike tempfile.mkdtemp
        except FileExistsError:
            continue
        return tmp


def safe_extract_tar(archive_path, dest_dir, *, marker=None) -> Path:
    """Extract a tar archive safely and atomically into ``dest_dir``.

    All members are checked before anything is written. The archive is
    extracted into a temporary sibling folder of ``dest_dir`` which is renamed
    to ``dest_dir`` only once extraction is complete, so an interrupted
    extraction leaves no half-filled ``dest_dir``.

    Parameters
    ----------
    archive_path : str or path-like
        A tar archive, compressed or not (gzip, bz2, xz).
    dest_dir : str or path-like
        Folder to create. It must not exist yet (an empty folder is replaced).
    marker : str, default=None
        When given, an empty file of that name is written in the extracted
        folder after every member, just before the final rename; its presence
        tells that the extraction completed.

    Returns
    -------
    dest_dir : pathlib.Path

    Raises
    ------
    ValueError
        A member is unsafe; nothing is extracted and the message names the
        member and the reason. Refused: an absolute path, a path leaving the
        destination (``..``), a backslash in a name, a device file or FIFO or
        another unsupported type, and the link tricks below.
    NotADirectoryError
        The parent folder of ``dest_dir`` (or one of its parents) is a file.
    FileExistsError
        ``dest_dir`` exists and is not empty (e.g. another process extracted
        the archive concurrently).

    Notes
    -----
    Rule for links. The members are checked in archive order over a virtual
    tree of the members seen so far, each path component resolved as the file
    system would, following the symbolic and hard links defined earlier:

    - a symbolic link is allowed when its target, resolved that way, stays
      inside the destination (also once every later link is known) and does
      not loop; a hard link only when it names an earlier regular file
      (through such links);
    - a member whose path goes through a symbolic link of the archive is
      refused, **even when the link stays inside** (``alias -> inside`` then
      ``alias/f.txt``): write it under its real path instead;
    - a member does not replace an earlier link, and a link does not replace
      an earlier member (only folders and regular files may repeat).

    So chains such as ``d/up -> ..``, ``up2 -> d/up/..`` then
    ``up2/evil.txt``, or ``d/up/../evil.txt``, are refused.

    These checks do not rely on :mod:`tarfile`'s extraction filters. Where the
    running Python provides them (3.10.12+, 3.11.4+, 3.12+), the ``"data"``
    filter is applied as well, and whatever :mod:`tarfile` refuses
    (``FilterError`` and other ``TarError``) is raised as the same
    ``ValueError``. On a Python without them, the modes and owners are
    cleaned as that filter would (no set-user-ID bit, no group or other write
    permission, no owner from the archive).
    """
    archive_path = Path(os.fspath(archive_path))
    dest = Path(os.fspath(dest_dir))
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"The extraction destination {str(dest)!r} already exists.")
    if marker is not None and (
        not isinstance(marker, str) or not marker or "/" in marker or "\\" in marker
    ):
        raise ValueError(f"marker must be a plain file name, got {marker!r}.")
    _check_not_a_file(dest.parent, "extraction")
    with tarfile.open(archive_path, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            _check_member(member)
        _check_links(members)
        created = _make_dirs(dest.parent)
        tmp = _new_temp_dir(dest.parent, dest.name)
        try:
            try:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(tmp, members=members, filter="data")
                else:  # old Python without extraction filters: _check_links stands alone
                    for member in members:
                        _plain_attributes(member)
                    tar.extractall(tmp, members=members)
            except tarfile.TarError as err:  # FilterError and the like: the documented error
                raise ValueError(f"Refusing to extract {str(archive_path)!r}: {err}") from err
            if marker is not None:
                (tmp / marker).touch()
            try:
                os.replace(tmp, dest)
            except OSError as err:
                if dest.exists():
                    raise FileExistsError(
                        f"The extraction destination {str(dest)!r} already exists."
                    ) from err
                raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            _remove_empty_dirs(created)
            raise
    return dest
