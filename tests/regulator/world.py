"""Two provinces with facilities, regulators of each and a national one, consultations in
every state that the reports distinguish, their deliveries, call quality and audit events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.audit.service import build_event
from telehealth.db import Database
from telehealth.models import (
    ConsultationActivity,
    ConsultationEvent,
    ConsultationRequest,
    ConsultationStatus,
    ConsultationUrgency,
    DocumentKind,
    FacilityLevel,
    OutboxMessage,
    OutboxStatus,
    Role,
)
from telehealth.models.quality import SessionQualityRollup
from telehealth.models.records import ClinicalDocument
from tests.conftest import T0
from tests.fixtures import factories
from tests.fixtures.http import seeding

A, B = "08", "01"  # Tuyên Quang, Hà Nội
Q4 = datetime(2026, 10, 1, tzinfo=UTC)


@dataclass
class World:
    facilities: dict[str, uuid.UUID] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    consultations: dict[str, uuid.UUID] = field(default_factory=dict)
    patient_id: uuid.UUID = field(default_factory=uuid.uuid4)
    other_patient_id: uuid.UUID = field(default_factory=uuid.uuid4)
    national_id: str = ""


def _consultation(w: World, name: str, *, patient: uuid.UUID, requesting: str,
                  consulting: str, specialty: uuid.UUID, activity: ConsultationActivity,
                  urgency: ConsultationUrgency, status: ConsultationStatus,
                  submitted: datetime | None, **times: Any) -> ConsultationRequest:
    request = ConsultationRequest(
        patient_id=patient, requesting_facility_id=w.facilities[requesting],
        requested_by_user_id=w.users[f"staff.{requesting}"],
        consulting_facility_id=w.facilities[consulting], specialty_id=specialty,
        activity=activity, urgency=urgency, status=status, reason="Ho kéo dài",
        created_at=submitted or T0, updated_at=T0, submitted_at=submitted,
        queued_at=submitted, **times)
    w.consultations[name] = request.id
    return request


async def _facilities(s: AsyncSession, w: World) -> None:
    await factories.province(s, A, "Tuyên Quang")
    await factories.province(s, B, "Hà Nội")
    for name, level, province, title in (
        ("hA", FacilityLevel.provincial, A, "Bệnh viện Đa khoa tỉnh Tuyên Quang"),
        ("sA", FacilityLevel.commune, A, "Trạm Y tế xã Tràng Đà"),
        ("hB", FacilityLevel.central, B, "Bệnh viện Bạch Mai"),
        ("dB", FacilityLevel.district, B, "Trung tâm Y tế khu vực Sóc Sơn"),
    ):
        facility = await factories.facility(s, level=level, province_code=province, name=title)
        w.facilities[name] = facility.id
        staff = await factories.user(s, Role.clinician, facility_id=facility.id,
                                     username=f"staff.{name.lower()}", full_name=f"Bác sĩ {name}")
        w.users[f"staff.{name}"] = staff.id
    for username, province in (("so.a", A), ("so.b", B), ("bo", None)):
        regulator = await factories.user(s, Role.regulator, username=username,
                                         jurisdiction_province_code=province,
                                         full_name=f"Thanh tra {username}")
        w.users[username] = regulator.id


async def _consultations(s: AsyncSession, w: World) -> list[ConsultationRequest]:
    patient_user = await factories.user(s, Role.patient, username="benhnhan")
    w.users["benhnhan"] = patient_user.id
    patient = await factories.patient(s, user_obj=patient_user)
    other = await factories.patient(s)
    w.patient_id, w.other_patient_id = patient.id, other.id
    w.national_id = patient.national_id or ""
    spec = (await factories.specialty(s, name="Hô hấp")).id
    S = ConsultationStatus
    Act, U = ConsultationActivity, ConsultationUrgency
    t = Q4 + timedelta(days=20)
    common = {"specialty": spec}
    rows = [
        _consultation(w, "c1", patient=patient.id, requesting="sA", consulting="hA",
                      activity=Act.remote_consultation, urgency=U.urgent, status=S.closed,
                      submitted=t, due_at=t + timedelta(hours=2),
                      accepted_at=t + timedelta(minutes=30),
                      concluded_at=t + timedelta(hours=5), closed_at=t + timedelta(days=3),
                      patient_outcome="Ổn định", **common),
        _consultation(w, "c2", patient=other.id, requesting="sA", consulting="hA",
                      activity=Act.remote_imaging, urgency=U.emergency, status=S.concluded,
                      submitted=t + timedelta(days=1),
                      due_at=t + timedelta(days=1, minutes=15),
                      accepted_at=t + timedelta(days=1, minutes=40),
                      concluded_at=t + timedelta(days=1, hours=2), **common),
        _consultation(w, "c3", patient=other.id, requesting="sA", consulting="hA",
                      activity=Act.remote_advice, urgency=U.routine, status=S.submitted,
                      submitted=T0 - timedelta(days=3), due_at=T0 - timedelta(days=2),
                      **common),
        _consultation(w, "c4", patient=patient.id, requesting="sA", consulting="hB",
                      activity=Act.remote_consultation, urgency=U.routine,
                      status=S.submitted, submitted=T0 - timedelta(hours=1),
                      due_at=T0 + timedelta(hours=23), **common),
        _consultation(w, "c5", patient=other.id, requesting="dB", consulting="hB",
                      activity=Act.remote_pathology, urgency=U.urgent, status=S.closed,
                      submitted=t + timedelta(days=5), due_at=t + timedelta(days=5, hours=2),
                      accepted_at=t + timedelta(days=5, hours=1),
                      concluded_at=t + timedelta(days=6), closed_at=t + timedelta(days=9),
                      patient_outcome="Đã phẫu thuật", **common),
        _consultation(w, "c6", patient=other.id, requesting="sA", consulting="hA",
                      activity=Act.remote_advice, urgency=U.routine, status=S.concluded,
                      submitted=Q4 - timedelta(days=40), due_at=Q4 - timedelta(days=39),
                      accepted_at=Q4 - timedelta(days=40), concluded_at=Q4 - timedelta(days=39),
                      **common),
        _consultation(w, "draft", patient=other.id, requesting="sA", consulting="hA",
                      activity=Act.remote_advice, urgency=U.routine, status=S.draft,
                      submitted=None, **common),
    ]
    return rows


async def _delivery(s: AsyncSession, w: World, name: str, status: OutboxStatus,
                    request: ConsultationRequest) -> None:
    message = OutboxMessage(kind="fhir.bundle", key=f"fhir.bundle:minutes:{request.id}:v1",
                            status=status, next_attempt_at=T0, created_at=T0,
                            delivered_at=T0 if status == OutboxStatus.delivered else None)
    s.add(message)
    await s.flush()
    practitioner = await factories.practitioner(s, request.consulting_facility_id)
    s.add(ClinicalDocument(
        kind=DocumentKind.consultation_minutes, subject=f"minutes:{request.id}", version=1,
        consultation_id=request.id, patient_id=request.patient_id,
        facility_id=request.consulting_facility_id, author_user_id=practitioner.user_id,
        author_practitioner_id=practitioner.id, title="Biên bản hội chẩn", key_id="k",
        signed_at=T0, pdf=b"%PDF", pdf_sha256="0" * 64, outbox_message_id=message.id))


def _event(w: World, action: str, who: str, *, facility: str | None, province: str | None,
           patient: uuid.UUID | None, at: datetime, role: str = "clinician") -> Any:
    event = build_event(None, action, resource_type="Patient", resource_id=patient,
                        patient_id=patient, request_id=f"req-{action}-{who}",
                        client_ip="10.8.0.7")
    event.occurred_at = at
    event.actor_user_id, event.actor_role = w.users[who], role
    event.actor_facility_id = w.facilities[facility] if facility else None
    event.actor_province_code = province
    return event


async def build_world(db: Database) -> World:
    w = World()
    async with seeding(db) as s:
        await _facilities(s, w)
        rows = await _consultations(s, w)
        s.add_all(rows)
        await s.flush()
        by_name = {name: r for name, r in zip(w.consultations, rows, strict=True)}
        s.add(ConsultationEvent(consultation_id=by_name["c1"].id, at=by_name["c1"].submitted_at
                                or T0, action="submit", actor_user_id=w.users["staff.sA"],
                                to_status=ConsultationStatus.submitted))
        await _delivery(s, w, "c1", OutboxStatus.delivered, by_name["c1"])
        await _delivery(s, w, "c2", OutboxStatus.pending, by_name["c2"])
        s.add(SessionQualityRollup(
            room=f"consultation:{by_name['c1'].id}", kind="consultation",
            resource_id=by_name["c1"].id, facility_id=w.facilities["hA"],
            started_at=T0 - timedelta(days=10), computed_at=T0, samples=10, mos=4.1,
            grade="good"))
        at = T0 - timedelta(days=1)
        s.add_all([
            _event(w, "patient.read", "staff.hA", facility="hA", province=A,
                   patient=w.patient_id, at=at),
            _event(w, "consultation.read", "staff.sA", facility="sA", province=A,
                   patient=w.other_patient_id, at=at + timedelta(minutes=1)),
            _event(w, "patient.read", "staff.hB", facility="hB", province=B,
                   patient=w.patient_id, at=at + timedelta(minutes=2)),
            _event(w, "appointment.create", "benhnhan", facility=None, province=None,
                   patient=w.patient_id, at=at + timedelta(minutes=3), role="patient"),
        ])
    return w
