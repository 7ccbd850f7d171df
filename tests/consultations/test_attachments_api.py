"""Attachments of a request: upload limits and sniffing through the API, authorised
download with safe headers, and the database row and the file kept consistent."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from telehealth.attachments.service import store
from telehealth.attachments.storage import LocalDiskStorage
from telehealth.db import Database
from telehealth.models import Attachment, AttachmentKind
from tests.attachments.test_storage import JPEG_BYTES, REFUSED, SAMPLES, Reader, files_in
from tests.conftest import T0
from tests.consultations.conftest import Api, Network
from tests.fixtures.http import seeding


def _store_root(app: FastAPI) -> Path:
    return app.state.settings.data_dir / "attachments"  # type: ignore[no-any-return]


async def _upload(api: Api, who: str, cid: str, data: bytes, name: str, kind: str = "xray"
                  ) -> object:
    return await api.post(who, f"/consultations/{cid}/attachments",
                          files={"file": (name, data, "image/jpeg")}, data={"kind": kind})


async def _rows(db: Database) -> list[Attachment]:
    async with seeding(db) as s:
        return list((await s.execute(select(Attachment))).scalars())


async def test_an_xray_is_stored_and_viewable_inline(
    app: FastAPI, api: Api, net: Network, db: Database
) -> None:
    cid = (await api.open())["id"]
    response = await _upload(api, "requester", cid, JPEG_BYTES, "phim phổi.jpeg")
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    meta = response.json()  # type: ignore[attr-defined]
    assert (meta["content_type"], meta["file_name"], meta["size_bytes"]) == (
        "image/jpeg", "phim phổi.jpg", len(JPEG_BYTES))

    download = await api.get("cardio", meta["url"].removeprefix("/api/v1"))
    assert download.status_code == 200
    assert download.content == JPEG_BYTES
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["content-disposition"] == (
        "inline; filename=\"phim phi.jpg\"; filename*=UTF-8''phim%20ph%E1%BB%95i.jpg")
    assert download.headers["x-content-type-options"].startswith("nosniff")
    assert download.headers["cache-control"] == "private, no-store"

    detail = (await api.get("cardio", f"/consultations/{cid}")).json()
    assert [a["id"] for a in detail["attachments"]] == [meta["id"]]
    timeline = (await api.get("cardio", f"/consultations/{cid}/timeline")).json()
    assert timeline[-1]["action"] == "attach"


async def test_dicom_is_downloaded_not_shown(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    meta = (await _upload(api, "requester", cid, SAMPLES["dicom"][0], "ct.dcm")).json()  # type: ignore[attr-defined]
    download = await api.get("cardio", meta["url"].removeprefix("/api/v1"))
    assert download.headers["content-disposition"].startswith('attachment; filename="ct.dcm"')
    assert download.headers["content-type"] == "application/dicom"


@pytest.mark.parametrize("kind", ["windows_exe", "elf", "html"])
async def test_a_renamed_executable_is_refused_with_415(
    app: FastAPI, api: Api, net: Network, db: Database, kind: str
) -> None:
    cid = (await api.open())["id"]
    response = await _upload(api, "requester", cid, REFUSED[kind], "xray.jpg")
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "unsupported_media_type"  # type: ignore[attr-defined]
    assert files_in(_store_root(app)) == []
    assert await _rows(db) == []


async def test_too_large_is_413_and_leaves_nothing(
    app: FastAPI, api: Api, net: Network, db: Database
) -> None:
    app.state.settings.attachment_max_bytes = 1000
    cid = (await api.open())["id"]
    response = await _upload(api, "requester", cid, JPEG_BYTES + bytes(5000), "ecg.jpg")
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "1 MB" not in response.json()["error"]["message"]  # type: ignore[attr-defined]
    assert files_in(_store_root(app)) == []
    assert await _rows(db) == []


async def test_a_declared_oversized_body_is_refused_before_reading(
    app: FastAPI, api: Api, net: Network
) -> None:
    cid = (await api.open())["id"]
    headers = {**await api.headers("requester"), "content-type": "multipart/form-data; b=x",
               "content-length": str(30 * 1024 * 1024)}
    response = await api.client.post(f"/api/v1/consultations/{cid}/attachments",
                                     headers=headers, content=b"x")
    assert response.status_code == 413


async def test_outsiders_cannot_fetch_an_attachment(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    meta = (await _upload(api, "requester", cid, JPEG_BYTES, "a.jpg")).json()  # type: ignore[attr-defined]
    for who in ("outsider", "derma"):
        assert (await api.get(who, meta["url"].removeprefix("/api/v1"))).status_code == 404
    assert (await api.get("patient", meta["url"].removeprefix("/api/v1"))).status_code == 403
    other = (await api.open())["id"]
    # An attachment id under another request of the same viewer is still not found.
    wrong = f"/consultations/{other}/attachments/{meta['id']}"
    assert (await api.get("requester", wrong)).status_code == 404
    assert (await _upload(api, "outsider", cid, JPEG_BYTES, "a.jpg")).status_code == 404  # type: ignore[attr-defined]


async def test_no_attachments_once_the_request_is_finished(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    await api.act("requester", cid, "cancel", {"reason": "Không cần nữa"})
    response = await _upload(api, "requester", cid, JPEG_BYTES, "a.jpg")
    assert response.status_code == 409  # type: ignore[attr-defined]


class _Boom(Exception):
    pass


def _now() -> datetime:
    return T0


async def test_a_rolled_back_transaction_removes_its_file(
    db: Database, net: Network, api: Api, tmp_path: Path
) -> None:
    cid = (await api.open())["id"]
    storage = LocalDiskStorage(tmp_path / "store")
    # As the request's dependency does: the error is thrown into the transaction.
    with pytest.raises(_Boom):
        async with asynccontextmanager(db.transaction)() as session:
            attachment = await store(
                session, storage, Reader(JPEG_BYTES), file_name="ecg.jpg",
                consultation_id=uuid.UUID(cid), kind=AttachmentKind.ecg,
                uploaded_by=net.user_ids["requester"], now=_now(), max_bytes=10_000,
            )
            assert files_in(tmp_path / "store") == [storage.path_for(attachment.storage_key)]
            raise _Boom
    assert files_in(tmp_path / "store") == []
    assert await _rows(db) == []


async def test_a_committed_transaction_keeps_row_and_file_together(
    db: Database, net: Network, api: Api, tmp_path: Path
) -> None:
    cid = (await api.open())["id"]
    storage = LocalDiskStorage(tmp_path / "store")
    async for session in db.transaction():
        attachment = await store(
            session, storage, Reader(JPEG_BYTES), file_name="ecg.jpg",
            consultation_id=uuid.UUID(cid), kind=AttachmentKind.ecg,
            uploaded_by=net.user_ids["requester"], now=_now(), max_bytes=10_000,
        )
    assert files_in(tmp_path / "store") == [storage.path_for(attachment.storage_key)]
    [row] = await _rows(db)
    assert (row.content_type, row.size_bytes, row.storage_key) == (
        "image/jpeg", len(JPEG_BYTES), attachment.storage_key)
