"""Where attachment bytes live: an interface, and the local-disk implementation under data_dir.

Uploads are first spooled to a local temporary file (see `spool.py`), checked, then handed to
`put`, which must make the object appear whole under its key or not at all. An S3-compatible
implementation fits the same interface (docs/consultations.md describes it); only the local
disk is implemented here.
"""

from __future__ import annotations

import os
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path

import anyio

from telehealth.config import Settings

# Keys are random (192 bits), URL-safe base64: never derived from anything a user typed.
_KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")
CHUNK = 256 * 1024


class StoredObjectMissing(LookupError):
    """The database names an object the storage does not have (a bug or lost disk)."""


def new_key() -> str:
    return secrets.token_urlsafe(24)


def check_key(key: str) -> str:
    # Keys become file names: refusing anything else rules out path traversal for good.
    if not _KEY.match(key):
        raise ValueError("malformed storage key")
    return key


class AttachmentStorage(ABC):
    """Bytes by key. Implementations must be safe to share between concurrent requests."""

    @property
    @abstractmethod
    def spool_dir(self) -> Path:
        """A local directory for uploads in progress (same file system as the objects for
        the local disk, so the final rename is atomic)."""

    @abstractmethod
    async def put(self, key: str, source: Path) -> None:
        """Take ownership of the complete local file `source` and store it under `key`:
        afterwards either the whole object exists, or nothing does and `source` is gone."""

    @abstractmethod
    def read(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes, in chunks; StoredObjectMissing if there is none."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abstractmethod
    def discard(self, key: str) -> None:
        """Remove an object whose transaction rolled back. Called from a synchronous
        database hook, so it must not await: the local disk unlinks at once; a remote store
        would queue the delete (and an orphan sweep compares keys with rows)."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...


class LocalDiskStorage(AttachmentStorage):
    """Objects as files under `<root>/objects/<first two key characters>/<key>`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._objects = root / "objects"
        self._spool = root / "incoming"

    @property
    def spool_dir(self) -> Path:
        self._spool.mkdir(parents=True, exist_ok=True)
        return self._spool

    def path_for(self, key: str) -> Path:
        check_key(key)
        return self._objects / key[:2] / key

    async def put(self, key: str, source: Path) -> None:
        await anyio.to_thread.run_sync(self._put, key, source)

    def _put(self, key: str, source: Path) -> None:
        target = self.path_for(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # os.replace is atomic within one file system: readers never see half a file.
            os.replace(source, target)
            _fsync_dir(target.parent)
        except BaseException:
            source.unlink(missing_ok=True)
            target.unlink(missing_ok=True)
            raise

    async def read(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_for(key)
        try:
            handle = await anyio.open_file(path, "rb")
        except FileNotFoundError:
            raise StoredObjectMissing(key) from None
        async with handle:
            while chunk := await handle.read(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        self.discard(key)

    def discard(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await anyio.to_thread.run_sync(self.path_for(key).is_file)


def _fsync_dir(directory: Path) -> None:
    # Make the rename itself durable, not only the file's contents.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_storage(settings: Settings) -> AttachmentStorage:
    """The configured storage. Cheap to build: it holds no connection or open file."""
    return LocalDiskStorage(settings.data_dir / "attachments")
