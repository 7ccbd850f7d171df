"""Signatures: valid through the API and the offline CLI, invalid after any change; the PDF
is deterministic and carries the Vietnamese text; signing is all-or-nothing."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import sys
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy import func, select

from telehealth.accounts.context import Actor
from telehealth.cli import main as cli_main
from telehealth.consultations.context import ServiceContext
from telehealth.db import Database
from telehealth.models import (
    ClinicalDocument,
    ConsultationRequest,
    OutboxMessage,
    PractitionerKey,
    RecordDraft,
    Role,
    User,
)
from telehealth.records import access, signing
from telehealth.records.pdf import render_pdf
from telehealth.signatures.signing import Signature
from tests.records.conftest import (
    Api,
    accepted_request,
    complete,
    open_minutes,
    save,
    signed_minutes,
)


async def test_the_stored_signature_verifies_by_document_id(api: Api) -> None:
    signed = await signed_minutes(api, await accepted_request(api))
    for who in ("cardio", "requester"):
        result = (await api.get(who, f"/records/{signed['id']}/verification")).json()
        assert result["valid"] is True
        assert result["key_id"] == signed["key_id"] and result["signer"] == "BS cardio"
    assert (await api.get("outsider", f"/records/{signed['id']}/verification")
            ).status_code == 404


async def test_anyone_verifies_a_held_document_and_any_changed_byte_fails(api: Api) -> None:
    signed = await signed_minutes(api, await accepted_request(api))
    body = {"document": signed["document"], "signature": signed["signature"]}
    ok = await api.client.post("/api/v1/signatures/verify", json=body)  # no login needed
    assert ok.status_code == 200 and ok.json()["valid"] is True

    changed = copy.deepcopy(body)
    changed["document"]["conclusion"] = changed["document"]["conclusion"].replace("cấp", "cap")
    assert (await api.client.post("/api/v1/signatures/verify", json=changed)
            ).json()["valid"] is False
    later = copy.deepcopy(body)
    later["signature"]["signed_at"] = "2026-11-23T09:00:00.000000Z"
    assert (await api.client.post("/api/v1/signatures/verify", json=later)
            ).json()["valid"] is False


async def test_the_exported_record_verifies_offline_with_the_cli(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = await signed_minutes(api, await accepted_request(api))
    exported = await api.get("requester", f"/records/{signed['id']}/signature-record")
    assert exported.status_code == 200
    path = tmp_path / "minutes.signed.json"
    path.write_bytes(exported.content)

    assert cli_main(["verify-signature", str(path)]) == 0
    assert "valid: signed with key" in capsys.readouterr().out

    record = json.loads(path.read_text(encoding="utf-8"))
    record["document"]["questions"][0]["conclusion"] += "."  # one byte more
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert cli_main(["verify-signature", str(tampered)]) == 1
    # The installed console command, as someone outside would run it.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "telehealth", "verify-signature", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()


async def test_the_pdf_has_the_vietnamese_text_and_is_deterministic(api: Api, db: Database) -> None:
    signed = await signed_minutes(api, await accepted_request(api))
    response = await api.get("requester", f"/records/{signed['id']}/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "BIÊN BẢN HỘI CHẨN" in text
    assert "Nhồi máu cơ tim cấp thành dưới" in text
    assert "Trạm Y tế xã An" in text
    async for session in db.transaction():
        row = await session.get(ClinicalDocument, uuid.UUID(signed["id"]))
        assert row is not None
        again = render_pdf(row.document, Signature.from_dict(row.signature))
        stored = row.pdf
    assert again == response.content == stored


async def test_the_first_signature_creates_the_practitioners_key_once(
    api: Api, db: Database
) -> None:
    await signed_minutes(api, await accepted_request(api))
    await signed_minutes(api, await accepted_request(api))
    async for session in db.transaction():
        keys = (await session.execute(select(PractitionerKey))).scalars().all()
    assert [k.practitioner_id for k in keys] == [api.net.practitioners["cardio"]]


async def test_a_failure_after_signing_rolls_back_the_document_its_delivery_and_the_conclusion(
    api: Api, db: Database, app: FastAPI
) -> None:
    cid = await accepted_request(api)
    draft = await open_minutes(api, "cardio", cid)
    assert (await save(api, "cardio", draft["id"], complete(draft))).status_code == 200
    actor = await _actor(api, db, "cardio")

    class AfterSigning(Exception):
        pass

    with pytest.raises(AfterSigning):
        async for session in db.transaction():
            ctx = ServiceContext(session=session, actor=actor, clock=app.state.clock,
                                 bus=app.state.bus, settings=app.state.settings)
            subject = await access.consultation_subject(ctx, uuid.UUID(cid))
            row = await session.get(RecordDraft, uuid.UUID(draft["id"]))
            assert row is not None
            document = await signing.sign_draft(ctx, subject, row)
            assert document.outbox_message_id is not None
            raise AfterSigning

    async for session in db.transaction():
        documents = (await session.execute(select(func.count()).select_from(ClinicalDocument))
                     ).scalar_one()
        messages = (await session.execute(select(func.count()).select_from(OutboxMessage))
                    ).scalar_one()
        request = await session.get(ConsultationRequest, uuid.UUID(cid))
    assert (documents, messages) == (0, 0)
    assert request is not None and request.status == "accepted"
    # ...and committed signing leaves exactly one document with exactly one delivery.
    signed = (await api.post("cardio", f"/records/drafts/{draft['id']}/sign")).json()
    assert signed["delivery"]["status"] == "pending"


async def _actor(api: Api, db: Database, who: str) -> Actor:
    async for session in db.transaction():
        user = await session.get(User, api.net.user_ids[who])
    assert user is not None
    return Actor.of(user, role=Role(user.role), facility_id=user.facility_id,
                    province_code="08")
