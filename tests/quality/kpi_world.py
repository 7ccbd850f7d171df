"""Seeded service data for the KPI tests: requests with timelines, video visits, sessions with
rollups, ratings and connection checks, in and out of the hospital's province."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import (
    AppointmentStatus,
    ConnectionCheck,
    ConnectionVerdict,
    ConsultationActivity,
    ConsultationEvent,
    ConsultationRequest,
    ConsultationStatus,
    ConsultationUrgency,
    Facility,
    LiveSession,
    SessionQualityRollup,
    VisitRating,
)
from tests.conftest import T0
from tests.quality.world import World, video_visit

DAY = timedelta(days=1)
MIN = timedelta(minutes=1)


async def request(
    session: AsyncSession,
    w: World,
    *,
    activity: ConsultationActivity,
    urgency: ConsultationUrgency,
    status: ConsultationStatus,
    submitted: datetime | None,
    events: list[tuple[str, timedelta, ConsultationStatus | None]],
    consulting: Facility | None = None,
    requesting: Facility | None = None,
    due_in: timedelta = timedelta(hours=2),
    outcome: str | None = None,
) -> ConsultationRequest:
    r = ConsultationRequest(
        patient_id=w.patient.id, requesting_facility_id=(requesting or w.station).id,
        requested_by_user_id=w.station_admin.id,
        consulting_facility_id=(consulting or w.hospital).id, specialty_id=w.specialty.id,
        activity=activity, urgency=urgency, status=status, reason="Đau ngực",
        created_at=submitted or T0, updated_at=T0, submitted_at=submitted,
        queued_at=submitted, due_at=submitted + due_in if submitted else None,
        patient_outcome=outcome,
    )
    session.add(r)
    await session.flush()
    for action, after, to_status in [("submit", timedelta(0), ConsultationStatus.submitted),
                                     *events]:
        if submitted is None:
            break
        session.add(ConsultationEvent(consultation_id=r.id, at=submitted + after, action=action,
                                      to_status=to_status))
    await session.flush()
    return r


async def seed(session: AsyncSession, w: World) -> dict[str, object]:
    A, U, S = ConsultationActivity, ConsultationUrgency, ConsultationStatus
    r1 = await request(
        session, w, activity=A.remote_advice, urgency=U.urgent, status=S.closed,
        submitted=T0 - 3 * DAY, outcome="Bệnh nhân ổn định",
        events=[("accept", 30 * MIN, S.accepted), ("start_session", 90 * MIN, S.in_session),
                ("conclude", 120 * MIN, S.concluded), ("close", DAY, S.closed)],
    )
    r2 = await request(
        session, w, activity=A.remote_consultation, urgency=U.emergency, status=S.concluded,
        submitted=T0 - 2 * DAY, due_in=15 * MIN,
        events=[("escalate", 16 * MIN, S.submitted), ("schedule", 40 * MIN, S.scheduled),
                ("start_session", 60 * MIN, S.in_session), ("conclude", 70 * MIN, S.concluded)],
    )
    r3 = await request(  # overdue, the escalation job has not run yet
        session, w, activity=A.remote_advice, urgency=U.routine, status=S.submitted,
        submitted=T0 - DAY, due_in=12 * 60 * MIN, events=[],
    )
    r4 = await request(
        session, w, activity=A.remote_advice, urgency=U.urgent, status=S.declined,
        submitted=T0 - 5 * DAY, events=[("decline", 10 * MIN, S.declined)],
    )
    foreign = await request(  # another province: nobody in 08 counts it
        session, w, activity=A.remote_imaging, urgency=U.routine, status=S.accepted,
        submitted=T0 - 2 * DAY, consulting=w.foreign, requesting=w.foreign,
        events=[("accept", 5 * MIN, S.accepted)],
    )
    await request(  # drafts never count
        session, w, activity=A.remote_advice, urgency=U.routine, status=S.draft,
        submitted=None, events=[],
    )
    old = await request(  # before the period
        session, w, activity=A.remote_advice, urgency=U.routine, status=S.closed,
        submitted=T0 - 60 * DAY, events=[("accept", 1 * MIN, S.accepted)],
    )
    # Consultation sessions (r1 and r2 had one).
    for r, start, minutes in ((r1, T0 - 3 * DAY + 90 * MIN, 25), (r2, T0 - 2 * DAY + 60 * MIN, 15)):
        session.add(LiveSession(room=f"consultation:{r.id}", kind="consultation",
                                resource_id=r.id, started_at=start,
                                ended_at=start + minutes * MIN))

    v1 = await video_visit(session, w, T0 - 4 * DAY, ended_after=timedelta(minutes=18))
    v2 = await video_visit(session, w, T0 - 3 * DAY, ended_after=timedelta(minutes=12))
    v3 = await video_visit(session, w, T0 - 2 * DAY, held=False)  # nobody came
    await video_visit(session, w, T0 - DAY, held=False, status=AppointmentStatus.cancelled)
    await video_visit(session, w, T0 + DAY, held=False)  # still to come
    v_foreign = await video_visit(session, w, T0 - DAY, facility=w.foreign,
                                  ended_after=timedelta(minutes=40))
    for appointment, grade in ((v1, "poor"), (v2, "good"), (v_foreign, "poor")):
        session.add(SessionQualityRollup(
            room=f"appointment:{appointment.id}", kind="appointment",
            resource_id=appointment.id, facility_id=appointment.facility_id,
            started_at=appointment.start_at, computed_at=T0, grade=grade, samples=10,
        ))
    for appointment, score in ((v1, 4), (v2, 2), (v_foreign, 5)):
        session.add(VisitRating(
            appointment_id=appointment.id, patient_id=w.patient.id, user_id=w.patient_user.id,
            facility_id=appointment.facility_id, score=score, created_at=appointment.start_at
            + DAY / 2, updated_at=appointment.start_at + DAY / 2,
        ))
    for facility, verdict, rtt in (
        (w.station, ConnectionVerdict.video_ok, 50.0),
        (w.station, ConnectionVerdict.audio_only, 400.0),
        (w.station, None, None), (w.hospital, ConnectionVerdict.video_ok, 30.0),
        (w.foreign, ConnectionVerdict.not_usable, 900.0),
    ):
        session.add(ConnectionCheck(
            user_id=w.station_admin.id, facility_id=facility.id, started_at=T0 - DAY,
            verdict=verdict, rtt_ms=rtt,
        ))
    await session.flush()
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "foreign": foreign, "old": old,
            "v1": v1, "v2": v2, "v3": v3}
