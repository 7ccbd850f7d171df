"""Who reads signed minutes: everyone on the case; nobody else learns they exist. Reads are
audited; the requesting station hears of them live."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import col

from telehealth.db import Database
from telehealth.models import AuditEvent
from tests.records.conftest import Api, accepted_request, signed_minutes


async def test_everyone_on_the_case_reads_the_minutes_and_others_get_404(api: Api) -> None:
    cid = await accepted_request(api)
    await api.act("cardio", cid, "invite", {
        "practitioner_ids": [str(api.net.practitioners["prov_cardio"])], "note": ""})
    signed = await signed_minutes(api, cid)
    paths = (f"/records/{signed['id']}", f"/records/{signed['id']}/pdf",
             f"/records/consultations/{cid}/minutes", f"/records/{signed['id']}/verification")
    for who in ("requester", "station2", "cardio", "cardio2", "prov_cardio", "district_admin"):
        for path in paths:
            assert (await api.get(who, path)).status_code == 200, (who, path)
    for who in ("outsider", "derma", "province_admin", "patient"):
        for path in paths:
            assert (await api.get(who, path)).status_code == 404, (who, path)


async def test_delivery_is_shown_to_the_author_and_the_admin_only(api: Api) -> None:
    signed = await signed_minutes(api, await accepted_request(api))
    assert (await api.get("cardio", f"/records/{signed['id']}")).json()["delivery"] is not None
    assert (await api.get("district_admin", f"/records/{signed['id']}")
            ).json()["delivery"] is not None
    assert (await api.get("requester", f"/records/{signed['id']}")).json()["delivery"] is None


async def test_reads_are_audited(api: Api, db: Database) -> None:
    signed = await signed_minutes(api, await accepted_request(api))
    await api.get("requester", f"/records/{signed['id']}/pdf")
    async for session in db.transaction():
        rows = (await session.execute(
            select(col(AuditEvent.action), col(AuditEvent.actor_user_id))
            .where(col(AuditEvent.resource_id) == signed["id"])
        )).all()
    assert ("record.sign", api.net.user_ids["cardio"]) in rows
    assert ("record.read", api.net.user_ids["requester"]) in rows


async def test_the_requesting_station_hears_of_signed_minutes_live(
    api: Api, app: FastAPI
) -> None:
    cid = await accepted_request(api)
    channel = f"facility:{api.net.station.id}:consultations"
    async with app.state.bus.subscribe(channel) as messages:
        signed = await signed_minutes(api, cid)
        seen = []
        async for _, message in messages:
            seen.append(message)
            if message.get("type") == "record.signed":
                break
    assert seen[-1] == {"type": "record.signed", "consultation_id": cid,
                        "document_id": signed["id"], "version": 1}
    assert any(m.get("type") == "consultation.changed" and m["status"] == "concluded"
               for m in seen)
