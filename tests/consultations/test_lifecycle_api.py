"""The whole lifecycle through the API, from both sides."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import AuditEvent, Consent, Notification, Patient
from tests.consultations.conftest import Api, Network
from tests.fixtures.http import seeding


async def _timeline(api: Api, who: str, cid: str) -> list[tuple[str, str | None, str | None]]:
    response = await api.get(who, f"/consultations/{cid}/timeline")
    assert response.status_code == 200, response.text
    return [(e["action"], e["from_status"], e["to_status"]) for e in response.json()]


async def _notes(db: Database, user_id: object) -> list[str]:
    async with seeding(db) as s:
        rows = await s.execute(select(Notification.kind).where(Notification.user_id == user_id))
        return list(rows.scalars())


async def test_request_goes_from_draft_to_closed(
    api: Api, net: Network, db: Database, clock: FrozenClock
) -> None:
    draft = await api.open(submit=False)
    cid = draft["id"]
    assert draft["status"] == "draft"
    assert draft["consulting_facility_id"] == str(net.district.id)  # rank 1 by default
    assert [d["code"] for d in draft["diagnoses"]] == ["I20.0", "I10"]
    assert draft["actions"] == ["submit", "cancel"]

    submitted = (await api.act("requester", cid, "submit")).json()
    assert submitted["status"] == "submitted"
    assert submitted["due_at"].startswith("2026-11-23T03:00:00")  # urgent: 2 h from 01:00 UTC

    queue = (await api.get("cardio", "/consultations/queue")).json()
    assert [q["id"] for q in queue] == [cid]

    clock.advance(timedelta(minutes=10))
    accepted = await api.act("cardio", cid, "accept", {"note": "Tiếp nhận"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"

    invited = await api.act("cardio", cid, "invite",
                            {"practitioner_ids": [str(net.practitioners["prov_cardio"])],
                             "note": "Mời hội chẩn"})
    assert invited.status_code == 200, invited.text
    assert [p["full_name"] for p in invited.json()["participants"]] == ["BS prov_cardio"]
    # The invited colleague from another facility now sees the request.
    seen = await api.get("prov_cardio", f"/consultations/{cid}")
    assert seen.status_code == 200
    assert seen.json()["parties"] == ["invitee"]

    started = await api.act("cardio", cid, "start-session")
    assert started.json()["status"] == "in_session"

    questions = started.json()["questions"]
    # Concluding is signing the minutes (telehealth.records).
    concluded = await api.conclude(
        "prov_cardio", cid, {q["id"]: f"Trả lời {q['position']}" for q in questions},
        summary="Cơn đau thắt ngực không ổn định", recommendations="Chuyển tuyến tỉnh")
    assert concluded.status_code == 201, concluded.text
    body = (await api.get("prov_cardio", f"/consultations/{cid}")).json()
    assert body["status"] == "concluded"
    assert [q["answer"] for q in body["questions"]] == ["Trả lời 1", "Trả lời 2"]

    closed = await api.act("requester", cid, "close", {
        "advice_applied": "Đã chuyển tuyến lúc 10:15",
        "patient_outcome": "Ổn định, xuất viện sau 5 ngày",
    })
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["patient_outcome"] == "Ổn định, xuất viện sau 5 ngày"
    assert closed.json()["actions"] == []

    assert await _timeline(api, "requester", cid) == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
        ("accept", "submitted", "accepted"),
        ("invite", "accepted", "accepted"),
        ("start_session", "accepted", "in_session"),
        ("conclude", "in_session", "concluded"),
        ("close", "concluded", "closed"),
    ]
    async with seeding(db) as s:
        actions = (await s.execute(
            select(AuditEvent.action).where(AuditEvent.resource_id == cid)
            .where(AuditEvent.action.in_(["consultation.accept", "consultation.close"]))  # type: ignore[attr-defined]
        )).scalars().all()
    assert sorted(actions) == ["consultation.accept", "consultation.close"]

    assert "consultation.submitted" in await _notes(db, net.user_ids["cardio"])
    assert set(await _notes(db, net.user_ids["requester"])) >= {
        "consultation.accepted", "consultation.session_started", "consultation.concluded"}
    assert sorted(await _notes(db, net.user_ids["prov_cardio"])) == [
        "consultation.closed", "consultation.invited", "consultation.session_started"]


async def test_timeline_records_who_and_why(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    await api.act("cardio", cid, "decline", {"reason": "Ngoài phạm vi chuyên môn"})
    entries = (await api.get("requester", f"/consultations/{cid}/timeline")).json()
    last = entries[-1]
    assert (last["action"], last["from_status"], last["to_status"]) == (
        "decline", "submitted", "declined")
    assert last["actor_name"] == "BS cardio"
    assert last["reason"] == "Ngoài phạm vi chuyên môn"
    assert last["at"].startswith("2026-11-23T01:00:00")


async def test_scheduling_accepts_at_a_proposed_time(
    api: Api, net: Network, clock: FrozenClock
) -> None:
    cid = (await api.open())["id"]
    when = (clock.now() + timedelta(hours=3)).isoformat()
    scheduled = await api.act("cardio", cid, "schedule", {"scheduled_for": when})
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "scheduled"
    assert scheduled.json()["scheduled_for"].startswith("2026-11-23T04:00:00")
    past = await api.act("cardio", cid, "schedule",
                         {"scheduled_for": (clock.now() - timedelta(hours=1)).isoformat()})
    assert past.status_code == 422
    later = (clock.now() + timedelta(days=1)).isoformat()
    moved = await api.act("cardio", cid, "schedule", {"scheduled_for": later})
    assert moved.json()["scheduled_for"].startswith("2026-11-24T01:00:00")


async def test_written_advice_needs_no_session(api: Api, net: Network) -> None:
    cid = (await api.open(activity="remote_advice"))["id"]
    await api.act("cardio", cid, "accept")
    concluded = await api.conclude("cardio", cid, summary="Tư vấn điều trị tại trạm")
    assert concluded.status_code == 201, concluded.text
    assert (await api.get("cardio", f"/consultations/{cid}")).json()["status"] == "concluded"


async def test_conclusion_must_answer_every_question(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    detail = (await api.act("cardio", cid, "accept")).json()
    first = detail["questions"][0]
    response = await api.conclude("cardio", cid, {first["id"]: "Có"}, summary="Tóm tắt")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "answers"
    assert (await api.get("cardio", f"/consultations/{cid}")).json()["status"] == "accepted"


async def test_forward_moves_the_request_to_another_queue(
    api: Api, net: Network, db: Database, clock: FrozenClock
) -> None:
    cid = (await api.open(urgency="emergency"))["id"]
    targets = (await api.get("cardio", f"/consultations/{cid}/forward-targets")).json()
    # The district's network (the province) and any higher level with a cardiologist.
    assert [t["name"] for t in targets] == ["Bệnh viện Đa khoa tỉnh Tuyên Quang",
                                            "Bệnh viện Bạch Mai"]
    clock.advance(timedelta(minutes=5))
    refused = await api.act("cardio", cid, "forward",
                            {"facility_id": str(net.other_station.id), "reason": "Thử"})
    assert refused.status_code == 422
    forwarded = await api.act("cardio", cid, "forward",
                              {"facility_id": str(net.central.id), "reason": "Cần can thiệp"})
    assert forwarded.status_code == 200, forwarded.text
    assert forwarded.json()["status"] == "forwarded"

    # The district no longer holds it; the central hospital's queue does, with a fresh clock.
    assert (await api.get("cardio", f"/consultations/{cid}")).status_code == 404
    queue = (await api.get("central_cardio", "/consultations/queue")).json()
    assert [(q["id"], q["due_at"][:19]) for q in queue] == [(cid, "2026-11-23T01:20:00")]
    assert "consultation.submitted_emergency" in await _notes(db, net.user_ids["central_cardio"])
    assert "consultation.forwarded" in await _notes(db, net.user_ids["requester"])
    accepted = await api.act("central_cardio", cid, "accept")
    assert accepted.json()["status"] == "accepted"


async def test_requester_may_cancel_with_a_reason(api: Api, net: Network, db: Database) -> None:
    cid = (await api.open())["id"]
    await api.act("cardio", cid, "accept")
    no_reason = await api.act("requester", cid, "cancel", {"reason": ""})
    assert no_reason.status_code == 422
    cancelled = await api.act("requester", cid, "cancel", {"reason": "Người bệnh đã chuyển viện"})
    assert cancelled.json()["status"] == "cancelled"
    assert "consultation.cancelled" in await _notes(db, net.user_ids["cardio"])


async def test_new_patient_is_registered_with_in_person_consents(
    api: Api, net: Network, db: Database
) -> None:
    created = await api.open(patient_id=None, new_patient={
        "full_name": "Hoàng Văn Minh", "national_id": "008072001234",
        "date_of_birth": "1972-03-04", "sex": "male", "phone": "0912345678",
    })
    async with seeding(db) as s:
        patient = (await s.execute(
            select(Patient).where(Patient.national_id == "008072001234"))).scalar_one()
        consents = (await s.execute(
            select(Consent).where(Consent.patient_id == patient.id))).scalars().all()
    assert created["patient_id"] == str(patient.id)
    assert patient.registered_by_facility_id == net.station.id
    assert sorted(c.kind for c in consents) == ["data_processing", "telemedicine"]
    assert {(c.method, c.recorded_by_user_id) for c in consents} == {
        ("in_person", net.user_ids["requester"])}

    lookup = await api.post("requester", "/consultations/patient-lookup",
                            json={"national_id": "008 072 001 234"})
    assert lookup.status_code == 200
    assert lookup.json()["full_name"] == "Hoàng Văn Minh"
    assert lookup.json()["has_consents"] is True


async def test_patient_lookup_by_unknown_cccd_is_404(api: Api, net: Network) -> None:
    response = await api.post("requester", "/consultations/patient-lookup",
                              json={"national_id": "001090099999"})
    assert response.status_code == 404
    malformed = await api.post("requester", "/consultations/patient-lookup",
                               json={"national_id": "12345678901x"})
    assert malformed.status_code == 422


async def test_consent_is_required(api: Api, net: Network) -> None:
    response = await api.post("requester", "/consultations", json=api.body(consent_obtained=False))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "consent_obtained"


async def test_referral_targets_list_the_network(api: Api, net: Network) -> None:
    targets = (await api.get("requester", "/consultations/referral-targets")).json()
    assert [(t["name"], t["rank"]) for t in targets] == [
        ("Trung tâm Y tế khu vực Yên Sơn", 1), ("Bệnh viện Đa khoa tỉnh Tuyên Quang", 2)]
    chosen = await api.open(consulting_facility_id=str(net.province.id))
    assert chosen["consulting_facility_id"] == str(net.province.id)


async def test_bad_clinical_input_is_422_and_changes_nothing(api: Api, net: Network) -> None:
    cases = [
        {"diagnosis_codes": ["I10", "Z99.99"]},
        {"vitals": {"pulse": 720}},
        {"vitals": {"bp_systolic": 80, "bp_diastolic": 120}},
        {"vitals": {"bp_systolic": 120}},
        {"vitals": {"temperature": 45.2}},
        {"vitals": {"spo2": 101}},
        {"questions": ["   "]},
        {"consulting_facility_id": str(net.central.id)},  # not in the station's network
        {"specialty_id": str(net.dermatology.id), "consulting_facility_id": str(net.province.id)},
    ]
    for overrides in cases:
        response = await api.post("requester", "/consultations", json=api.body(**overrides))
        assert response.status_code == 422, (overrides, response.text)
    assert (await api.get("requester", "/consultations")).json() == []


async def test_lists_show_each_side_its_requests(
    api: Api, net: Network, clock: FrozenClock
) -> None:
    routine = (await api.open(urgency="routine"))["id"]
    clock.advance(timedelta(minutes=1))
    urgent = (await api.open(urgency="urgent"))["id"]
    clock.advance(timedelta(minutes=1))
    emergency = (await api.open(urgency="emergency"))["id"]
    draft = (await api.open(submit=False))["id"]
    mine = [r["id"] for r in (await api.get("station2", "/consultations")).json()]
    assert mine == [draft, emergency, urgent, routine]
    queue = [r["id"] for r in (await api.get("cardio", "/consultations/queue")).json()]
    assert queue == [emergency, urgent, routine]  # urgency first, then waiting time
    assert (await api.get("derma", "/consultations/queue")).json() == []
    only_drafts = await api.get("requester", "/consultations", params={"status": "draft"})
    assert [r["id"] for r in only_drafts.json()] == [draft]
