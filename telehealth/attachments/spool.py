"""Receiving an upload: written to a temporary file while its size is counted and its type
sniffed, so a refused upload (too large, wrong type, interrupted) leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import anyio

from telehealth.attachments.sniff import SNIFF_BYTES, FileType, sniff
from telehealth.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

CHUNK = 256 * 1024


class Readable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class SpooledFile:
    path: Path
    size: int
    sha256: str
    file_type: FileType


async def spool(source: Readable, directory: Path, max_bytes: int) -> SpooledFile:
    """Copy `source` into a new temporary file in `directory`, or raise and leave no file.

    413 as soon as more than `max_bytes` have arrived (the rest is not read); 415 when the
    first bytes are not an accepted format; 422 for an empty file.
    """
    fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=directory)
    os.close(fd)
    path = Path(name)
    try:
        digest = hashlib.sha256()
        size = 0
        head = b""
        file_type: FileType | None = None
        async with await anyio.open_file(path, "wb") as out:
            while chunk := await source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        "attachments.errors.too_large", megabytes=max_bytes // (1024 * 1024)
                    )
                if file_type is None:
                    head += chunk[: SNIFF_BYTES - len(head)]
                    if len(head) >= SNIFF_BYTES:
                        file_type = _accepted(head)
                digest.update(chunk)
                await out.write(chunk)
            if size == 0:
                raise ValidationFailed("attachments.errors.empty")
            if file_type is None:
                # A file shorter than the sniff window (a tiny PNG, say) is judged on what it has.
                file_type = _accepted(head)
            await out.flush()
            await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
        return SpooledFile(path=path, size=size, sha256=digest.hexdigest(), file_type=file_type)
    except BaseException:
        # Synchronous on purpose: cleanup must also run when the request is cancelled.
        remove_quietly(path)
        raise


def remove_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)


def _accepted(head: bytes) -> FileType:
    found = sniff(head)
    if found is None:
        raise UnsupportedMediaType("attachments.errors.unsupported_type")
    return found
