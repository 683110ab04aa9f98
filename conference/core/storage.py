"""Where Plenary keeps its files: uploads, badge-run PDFs, lists of participants.

One small interface (`Storage`) with two backends, chosen by `STORAGE_URL`:

- empty (the default) or `file:///path`: folders on this machine (`LocalStorage`), by default under `instance/`;
- `s3://BUCKET[/prefix]`: an S3-compatible object store through boto3 (`conference.core.storage_s3`), configured by
  the standard `AWS_*` variables (`AWS_ENDPOINT_URL` for MinIO or Ceph), so that web and worker machines share
  nothing on disk.

The application's files fall into areas, each a `Storage` of its own (`files(area)`): `uploads` (photos, nominating
documents, credentials), `badges` (badge-run PDFs), `lists` (lists of participants). Keys inside an area are
relative POSIX paths the application made up ("photos/x.jpg", "job-12-x.pdf"); a key that could lead elsewhere
(absolute, `..`, a backslash, a NUL) is refused as a missing file, so a key read from a form or a row can never
reach another file. Every backend is picklable: a badge worker process gets the storage its run reads photos from.

`tests/test_storage.py` runs the one contract against both backends (S3 through moto's server on loopback).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from flask import current_app

from conference.core.errors import NotFound
from conference.core.i18n import _

AREAS = ("uploads", "badges", "lists")
# Before STORAGE_URL each area had a folder setting of its own; on local storage they still choose the folder.
FOLDER_SETTINGS = {"uploads": "UPLOAD_FOLDER", "badges": "BADGE_RUNS_FOLDER", "lists": "PARTICIPANTS_LISTS_FOLDER"}
# Names the application makes: url-safe tokens, numbers, dots, dashes. Anything else never names a stored file.
_PART = re.compile(r"[A-Za-z0-9_.-]{1,200}")
# How much of a stream is copied at a time (put, and the responses that stream a file out).
CHUNK = 256 * 1024


class MissingFile(NotFound):
    """No file under this key (never stored, erased already, or a key that could not name one)."""

    def __init__(self, key: object = ""):
        super().__init__(_("This file does not exist or is no longer available."))
        self.key = key


@dataclass(frozen=True)
class StoredFile:
    """One file of a listing: its key, its size in bytes and when it was written (UTC)."""

    key: str
    size: int
    modified: datetime


def check_key(key: object) -> str:
    """`key` when it is a relative path of names the application makes; MissingFile otherwise."""
    if not isinstance(key, str) or not key:
        raise MissingFile(key)
    parts = key.split("/")
    if any(p in (".", "..") or not _PART.fullmatch(p) for p in parts):
        raise MissingFile(key)
    return key


def check_prefix(prefix: str) -> str:
    """A prefix for `list` and `delete_prefix`: empty (everything), or a key's beginning ("job-12-", "photos/")."""
    if prefix == "":
        return prefix
    check_key(prefix.rstrip("/") or "/")
    return prefix


class Storage(ABC):
    """The files of one area. Keys are relative POSIX paths (see `check_key`); a missing file is MissingFile."""

    @abstractmethod
    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Store `data` (bytes, or a binary stream read to its end) under `key`, replacing any file there. The file
        appears complete or not at all: a reader never sees half of it."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A binary stream of the file (the caller closes it); MissingFile when there is none."""

    def read(self, key: str) -> bytes:
        """The whole file; MissingFile when there is none."""
        with self.open(key) as stream:
            return stream.read()

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key` (False for a key that could not name one)."""

    @abstractmethod
    def size(self, key: str) -> int:
        """The file's size in bytes; MissingFile when there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Erase the file; nothing happens when there is none."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file whose key starts with `prefix`, in no particular order (the purge's inventory)."""

    def delete_prefix(self, prefix: str) -> int:
        """Erase every file whose key starts with `prefix`; returns how many. An empty prefix is refused: erasing
        a whole area is never what a caller means."""
        if not prefix:
            raise ValueError("delete_prefix needs a prefix")
        keys = [f.key for f in self.list(check_prefix(prefix))]
        for key in keys:
            self.delete(key)
        return len(keys)


class LocalStorage(Storage):
    """Files in a folder of this machine (one per area, by default under `instance/`).

    A file is written to a temporary file beside its place, synced, then renamed, so it appears complete or not at
    all, readable by its owner and group only (0o640). A key whose resolved path (symbolic links followed) leaves
    the folder is refused as missing, so a link planted inside never leads a reader or the purge elsewhere.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The absolute path of `key` inside the folder; MissingFile for one that would lead elsewhere."""
        check_key(key)
        root = self.root.resolve()
        target = (root / key).resolve()
        if not target.is_relative_to(root) or target == root:
            raise MissingFile(key)
        return target

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(data, bytes | bytearray | memoryview):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o640)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _sync_directory(target.parent)

    def open(self, key: str) -> BinaryIO:
        target = self.path(key)
        if not target.is_file():
            raise MissingFile(key)
        try:
            return target.open("rb")
        except FileNotFoundError:  # erased between the check and the opening
            raise MissingFile(key) from None

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except MissingFile:
            return False

    def size(self, key: str) -> int:
        target = self.path(key)
        if not target.is_file():
            raise MissingFile(key)
        return target.stat().st_size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        check_prefix(prefix)
        root = self.root
        # Walk only the folder the prefix names (its directory part); symbolic links are neither followed nor listed.
        start = root / prefix.rsplit("/", 1)[0] if "/" in prefix else root
        if not start.is_dir() or start.is_symlink():
            return
        for directory, subdirectories, names in os.walk(start):
            subdirectories[:] = [d for d in subdirectories if not os.path.islink(os.path.join(directory, d))]
            for name in names:
                path = Path(directory, name)
                key = path.relative_to(root).as_posix()
                if not key.startswith(prefix) or path.is_symlink():
                    continue
                try:
                    status = path.stat()
                except FileNotFoundError:  # erased while walking
                    continue
                yield StoredFile(key, status.st_size, datetime.fromtimestamp(status.st_mtime, UTC))


def _sync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory entry is on disk.
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------------------------------
# STORAGE_URL


class StorageURLError(ValueError):
    """STORAGE_URL names no storage Plenary can use; the message says what is accepted."""


def parse_storage_url(url: str) -> tuple[str, str, str]:
    """`("local", folder, "")` for "" or `file:///folder`, `("s3", bucket, prefix)` for `s3://bucket[/prefix]`.

    The prefix comes back without slashes at either end. Anything else is a StorageURLError naming what is accepted.
    """
    url = (url or "").strip()
    if not url:
        return "local", "", ""
    parts = urlsplit(url)
    if parts.scheme == "file" and parts.netloc in ("", "localhost") and parts.path.startswith("/"):
        return "local", unquote(parts.path), ""
    if parts.scheme == "s3":
        bucket, prefix = parts.netloc, parts.path.strip("/")
        # S3's rule for bucket names: 3 to 63 lower-case letters, digits, dots and hyphens.
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise StorageURLError(f"STORAGE_URL: {bucket!r} is not an S3 bucket name (3 to 63 lower-case letters, "
                                  "digits, dots and hyphens)")
        if prefix and any(not _PART.fullmatch(p) or p in (".", "..") for p in prefix.split("/")):
            raise StorageURLError(f"STORAGE_URL: the prefix {prefix!r} may hold letters, digits, '.', '_', '-' "
                                  "and '/' only")
        if parts.query or parts.fragment:
            raise StorageURLError("STORAGE_URL: an s3:// address takes no query or fragment; the endpoint, region "
                                  "and keys come from the AWS_* variables")
        return "s3", bucket, prefix
    raise StorageURLError(f"STORAGE_URL must be empty (the instance folder), file:///path or s3://BUCKET[/prefix], "
                          f"not {url!r}")


def storage_for(url: str, area: str, folder: str | Path | None) -> Storage:
    """The storage of `area` under STORAGE_URL `url`; `folder` is the area's folder when storage is local."""
    if area not in AREAS:
        raise ValueError(f"unknown storage area {area!r}; expected one of {', '.join(AREAS)}")
    backend, where, prefix = parse_storage_url(url)
    if backend == "s3":
        from conference.core.storage_s3 import S3Storage  # boto3 is loaded only by those who use it

        return S3Storage(where, f"{prefix}/{area}/" if prefix else f"{area}/")
    return LocalStorage(folder)


def files(area: str) -> Storage:
    """The application's storage of `area` ("uploads", "badges", "lists"), made once per configuration.

    On local storage the area's folder is its setting (UPLOAD_FOLDER, BADGE_RUNS_FOLDER, PARTICIPANTS_LISTS_FOLDER)
    or `<root>/<area>`, the root being STORAGE_URL's folder or the instance folder.
    """
    url = current_app.config.get("STORAGE_URL") or ""
    setting = current_app.config.get(FOLDER_SETTINGS.get(area, ""))
    # The endpoint is part of the key: a test (or an operator's shell) that points AWS_ENDPOINT_URL elsewhere
    # gets a client for it rather than the one made before.
    key = (url, area, setting, os.environ.get("AWS_ENDPOINT_URL"))
    made = current_app.extensions.setdefault("plenary_storage", {})
    if key not in made:
        backend, where, _prefix = parse_storage_url(url)
        root = Path(where) if backend == "local" and where else Path(current_app.instance_path)
        made[key] = storage_for(url, area, setting or root / area)
    return made[key]
