"""SLA deadlines, escalation of overdue requests and expiry, with the frozen clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from telehealth.clock import FrozenClock
from telehealth.consultations.tasks import escalate_overdue, expire_stale
from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import ConsultationEvent, Facility, Notification
from tests.consultations.conftest import Api, Network
from tests.fixtures.http import seeding


async def _kinds(db: Database, user_id: object) -> list[str]:
    async with seeding(db) as s:
        rows = await s.execute(select(Notification.kind).where(Notification.user_id == user_id))
        return sorted(rows.scalars())


async def _escalations(db: Database, cid: str) -> int:
    async with seeding(db) as s:
        rows = await s.execute(select(ConsultationEvent).where(
            ConsultationEvent.action == "escalate"))
        return sum(1 for e in rows.scalars() if str(e.consultation_id) == cid)


async def test_emergency_is_escalated_once_after_15_minutes(
    api: Api, net: Network, db: Database, clock: FrozenClock, job_context: JobContext
) -> None:
    cid = (await api.open(urgency="emergency"))["id"]
    clock.advance(timedelta(minutes=14, seconds=59))
    assert await escalate_overdue(job_context) == 0
    queue = (await api.get("cardio", "/consultations/queue")).json()
    assert queue[0]["overdue"] is False

    clock.advance(timedelta(seconds=1))
    assert await escalate_overdue(job_context) == 1
    assert await escalate_overdue(job_context) == 0  # once per breach
    assert await _escalations(db, cid) == 1
    assert "consultation.overdue" in await _kinds(db, net.user_ids["district_admin"])
    assert "consultation.overdue" in await _kinds(db, net.user_ids["requester"])
    assert "consultation.overdue" not in await _kinds(db, net.user_ids["province_admin"])
    assert (await api.get("cardio", "/consultations/queue")).json()[0]["overdue"] is True


async def test_the_deadline_follows_the_facility_and_urgency(
    api: Api, net: Network, db: Database, clock: FrozenClock, job_context: JobContext
) -> None:
    async with seeding(db) as s:
        await s.execute(update(Facility).where(Facility.id == net.district.id)  # type: ignore[arg-type]
                        .values(sla_routine_minutes=30))
    routine = (await api.open(urgency="routine"))["id"]
    urgent = (await api.open(urgency="urgent"))["id"]
    clock.advance(timedelta(minutes=31))
    assert await escalate_overdue(job_context) == 1
    assert await _escalations(db, routine) == 1
    assert await _escalations(db, urgent) == 0
    clock.advance(timedelta(minutes=90))  # 2 h for urgent (the default)
    assert await escalate_overdue(job_context) == 1
    assert await _escalations(db, urgent) == 1


async def test_accepting_stops_the_clock(
    api: Api, net: Network, db: Database, clock: FrozenClock, job_context: JobContext
) -> None:
    cid = (await api.open(urgency="emergency"))["id"]
    clock.advance(timedelta(minutes=10))
    await api.act("cardio", cid, "accept")
    clock.advance(timedelta(hours=1))
    assert await escalate_overdue(job_context) == 0


async def test_a_forward_starts_a_new_clock_and_a_new_breach(
    api: Api, net: Network, db: Database, clock: FrozenClock, job_context: JobContext
) -> None:
    cid = (await api.open(urgency="emergency"))["id"]
    clock.advance(timedelta(minutes=16))
    assert await escalate_overdue(job_context) == 1
    await api.act("cardio", cid, "forward",
                  {"facility_id": str(net.province.id), "reason": "Cần chụp mạch vành"})
    clock.advance(timedelta(minutes=10))
    assert await escalate_overdue(job_context) == 0
    clock.advance(timedelta(minutes=6))
    assert await escalate_overdue(job_context) == 1
    assert await _escalations(db, cid) == 2
    assert "consultation.overdue" in await _kinds(db, net.user_ids["province_admin"])


async def test_unanswered_requests_expire(
    api: Api, net: Network, db: Database, clock: FrozenClock, job_context: JobContext
) -> None:
    cid = (await api.open(urgency="routine"))["id"]
    accepted = (await api.open(urgency="routine"))["id"]
    await api.act("cardio", accepted, "accept")
    clock.advance(timedelta(hours=71))
    assert await expire_stale(job_context) == 0
    clock.advance(timedelta(hours=1))
    assert await expire_stale(job_context) == 1
    assert await expire_stale(job_context) == 0
    api.forget_logins()
    detail = await api.get("requester", f"/consultations/{cid}")
    assert detail.status_code == 200, detail.text
    assert detail.json()["status"] == "expired"
    assert (await api.get("requester", f"/consultations/{accepted}")).json()["status"] == (
        "accepted")
    assert "consultation.expired" in await _kinds(db, net.user_ids["requester"])
    late = await api.act("cardio", cid, "accept")
    assert late.status_code == 409
    assert "“Đã hết hạn”" in late.json()["error"]["message"]
    timeline = (await api.get("requester", f"/consultations/{cid}/timeline")).json()
    assert (timeline[-1]["action"], timeline[-1]["actor_name"]) == ("expire", None)
