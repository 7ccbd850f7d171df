"""Minutes: written, signed (which concludes the request), immutable, corrected as versions."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col

from telehealth.db import Database
from telehealth.models import ClinicalDocument, OutboxMessage, OutboxStatus
from tests.records.conftest import (
    Api,
    accepted_request,
    complete,
    open_minutes,
    save,
    signed_minutes,
)


async def test_the_draft_is_prefilled_from_the_request(api: Api) -> None:
    cid = await accepted_request(api)
    draft = await open_minutes(api, "cardio", cid)
    content = draft["content"]
    assert [p["role"] for p in content["participants"]][:2] == ["chair", "requester"]
    assert len(content["answers"]) == 2
    assert content["diagnosis_codes"] == ["I20.0", "I10"]
    assert "Đau ngực trái" in content["case_summary"]
    assert set(draft["missing"]) >= {"records.missing.answers", "records.missing.conclusion",
                                     "records.missing.disposition"}


async def test_signing_concludes_the_consultation_and_enqueues_its_delivery(
    api: Api, db: Database
) -> None:
    cid = await accepted_request(api)
    signed = await signed_minutes(api, cid)

    assert (signed["version"], signed["replaces_id"], signed["is_latest"]) == (1, None, True)
    assert signed["document"]["diagnoses"][0]["code"] == "I21.1"
    assert signed["delivery"]["status"] == "pending"
    request = (await api.get("requester", f"/consultations/{cid}")).json()
    assert request["status"] == "concluded"
    assert [q["answer"] for q in request["questions"]] == ["Trả lời 1", "Trả lời 2"]
    assert request["conclusion_summary"].startswith("Nhồi máu cơ tim")
    async for session in db.transaction():
        message = await session.get(OutboxMessage, uuid.UUID(signed["delivery"]["message_id"]))
        assert message is not None and message.status == OutboxStatus.pending
        assert message.kind == "fhir.bundle"


async def test_the_conclude_action_is_gone_from_the_api(api: Api) -> None:
    cid = await accepted_request(api)
    response = await api.act("cardio", cid, "conclude", {
        "answers": [], "summary": "Kết luận", "recommendations": ""})
    assert response.status_code in (404, 405)


async def test_signing_refuses_an_incomplete_draft_and_changes_nothing(api: Api) -> None:
    cid = await accepted_request(api)
    draft = await open_minutes(api, "cardio", cid)
    response = await api.post("cardio", f"/records/drafts/{draft['id']}/sign")
    assert response.status_code == 422
    assert (await api.get("cardio", f"/consultations/{cid}")).json()["status"] == "accepted"


async def test_an_unknown_icd10_code_is_refused(api: Api) -> None:
    cid = await accepted_request(api)
    draft = await open_minutes(api, "cardio", cid)
    response = await save(api, "cardio", draft["id"], complete(draft, diagnosis_codes=["X99.99"]))
    assert response.status_code == 422


async def test_a_signed_row_refuses_updates_and_deletes_in_the_database(
    api: Api, db: Database
) -> None:
    cid = await accepted_request(api)
    signed = await signed_minutes(api, cid)
    for statement in (
        update(ClinicalDocument).where(col(ClinicalDocument.id) == uuid.UUID(signed["id"]))
        .values(title="changed"),
        text("DELETE FROM clinical_document"),
    ):
        with pytest.raises((DBAPIError, IntegrityError)):
            async for session in db.transaction():
                await session.execute(statement)
    async for session in db.transaction():
        row = (await session.execute(select(ClinicalDocument))).scalar_one()
        assert row.title == "Biên bản hội chẩn"


async def test_a_correction_is_a_new_version_pointing_at_the_one_it_replaces(api: Api) -> None:
    cid = await accepted_request(api)
    first = await signed_minutes(api, cid)
    draft = await open_minutes(api, "cardio", cid)
    assert draft["replaces_id"] == first["id"]
    assert draft["content"]["conclusion"] == first["document"]["conclusion"]
    content = dict(draft["content"], conclusion="Nhồi máu cơ tim cấp thành sau dưới.")
    assert (await save(api, "cardio", draft["id"], content)).status_code == 200
    second = (await api.post("cardio", f"/records/drafts/{draft['id']}/sign")).json()

    assert (second["version"], second["replaces_id"]) == (2, first["id"])
    assert [h["version"] for h in second["history"]] == [1, 2]
    latest = (await api.get("requester", f"/records/consultations/{cid}/minutes")).json()
    assert latest["id"] == second["id"]
    old = (await api.get("requester", f"/records/{first['id']}")).json()
    assert old["is_latest"] is False
    assert old["document"]["conclusion"] == first["document"]["conclusion"]
    request = (await api.get("requester", f"/consultations/{cid}")).json()
    assert request["conclusion_summary"] == "Nhồi máu cơ tim cấp thành sau dưới."


async def test_one_draft_at_a_time_and_only_its_author_writes_it(api: Api) -> None:
    cid = await accepted_request(api)
    draft = await open_minutes(api, "cardio", cid)
    taken = await api.post("cardio2", f"/records/consultations/{cid}/minutes/draft")
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "draft_taken"
    assert (await save(api, "cardio2", draft["id"], draft["content"])).status_code == 404
    assert (await api.post("cardio2", f"/records/drafts/{draft['id']}/sign")).status_code == 404
    assert (await open_minutes(api, "cardio", cid))["id"] == draft["id"]


async def test_the_requesting_side_cannot_write_minutes(api: Api) -> None:
    cid = await accepted_request(api)
    response = await api.post("requester", f"/records/consultations/{cid}/minutes/draft")
    assert response.status_code == 403


async def test_a_co_consultant_opinion_is_in_the_signed_minutes(api: Api) -> None:
    cid = await accepted_request(api)
    invited = await api.act("cardio", cid, "invite", {
        "practitioner_ids": [str(api.net.practitioners["cardio2"])], "note": ""})
    assert invited.status_code == 200, invited.text
    opinion = await api.post("cardio2", f"/records/consultations/{cid}/opinions",
                             json={"text": "Đồng ý chuyển tuyến can thiệp."})
    assert opinion.status_code == 204, opinion.text
    signed = await signed_minutes(api, cid)
    assert [o["text"] for o in signed["document"]["opinions"]] == ["Đồng ý chuyển tuyến can thiệp."]
