"""Storing an upload and its database row together, and serving it back with safe headers.

The file is put into storage before the row is flushed; if the transaction then rolls back,
a session hook removes the file, so a row never lacks its file and a file never outlives a
rolled-back row.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from telehealth.attachments.sniff import BY_CONTENT_TYPE, FileType
from telehealth.attachments.spool import Readable, spool
from telehealth.attachments.storage import AttachmentStorage, new_key
from telehealth.models import Attachment, AttachmentKind

_PENDING = "attachments.pending"
_LISTENING = "attachments.listening"
_UNSAFE = re.compile(r"[^\w .()\-]+", re.UNICODE)


def sanitize_file_name(raw: str | None, file_type: FileType) -> str:
    """A display name safe for headers and file systems, ending in the sniffed extension."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]  # no directories, whichever OS sent it
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._")
    stem = re.sub(r"\s+", " ", stem)[:100] or "tep-dinh-kem"
    return f"{stem}.{file_type.extension}"


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _discard(session: Session) -> None:
    for storage, key in session.info.pop(_PENDING, []):
        storage.discard(key)


def _remove_if_rolled_back(session: AsyncSession, storage: AttachmentStorage, key: str) -> None:
    sync = session.sync_session
    if not sync.info.get(_LISTENING):
        event.listen(sync, "after_commit", _forget)
        event.listen(sync, "after_rollback", _discard)
        sync.info[_LISTENING] = True
    sync.info.setdefault(_PENDING, []).append((storage, key))


async def store(
    session: AsyncSession,
    storage: AttachmentStorage,
    source: Readable,
    *,
    file_name: str | None,
    consultation_id: uuid.UUID,
    kind: AttachmentKind,
    uploaded_by: uuid.UUID,
    now: datetime,
    max_bytes: int,
) -> Attachment:
    """Spool, check and store one upload; add its row to the caller's transaction."""
    spooled = await spool(source, storage.spool_dir, max_bytes)
    key = new_key()
    await storage.put(key, spooled.path)
    _remove_if_rolled_back(session, storage, key)
    attachment = Attachment(
        consultation_id=consultation_id,
        kind=kind,
        storage_key=key,
        file_name=sanitize_file_name(file_name, spooled.file_type),
        content_type=spooled.file_type.content_type,
        size_bytes=spooled.size,
        sha256=spooled.sha256,
        uploaded_by_user_id=uploaded_by,
        created_at=now,
    )
    session.add(attachment)
    await session.flush()
    return attachment


def content_disposition(attachment: Attachment) -> str:
    file_type = BY_CONTENT_TYPE[attachment.content_type]
    disposition = "inline" if file_type.inline else "attachment"
    ascii_name = attachment.file_name.encode("ascii", "ignore").decode() or "file"
    ascii_name = ascii_name.replace('"', "")
    utf8_name = quote(attachment.file_name)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"


def response_headers(attachment: Attachment) -> dict[str, Any]:
    return {
        "Content-Disposition": content_disposition(attachment),
        "X-Content-Type-Options": "nosniff",
        # Patient data: never kept by shared caches or the browser's disk cache.
        "Cache-Control": "private, no-store",
        "Content-Length": str(attachment.size_bytes),
    }


def stream(storage: AttachmentStorage, attachment: Attachment) -> AsyncIterator[bytes]:
    return storage.read(attachment.storage_key)
