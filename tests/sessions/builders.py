"""Test data for live sessions: a video appointment with its practitioner and patient accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import (
    Appointment,
    AppointmentStatus,
    Facility,
    Practitioner,
    Role,
    User,
    VisitMode,
)
from tests.fixtures import factories


@dataclass
class VideoVisit:
    facility: Facility
    appointment: Appointment
    practitioner: Practitioner
    doctor: User
    patient_user: User
    patient_name: str

    @property
    def room(self) -> str:
        return f"appointment:{self.appointment.id}"


async def video_visit(
    session: AsyncSession,
    start_at: datetime,
    *,
    minutes: int = 30,
    mode: VisitMode = VisitMode.video,
    status: AppointmentStatus = AppointmentStatus.booked,
) -> VideoVisit:
    facility = await factories.facility(session)
    doctor = await factories.user(
        session, Role.clinician, facility_id=facility.id, full_name="Trần Thị Bình"
    )
    practitioner = await factories.practitioner(session, facility.id, user_obj=doctor)
    practitioner.title = "BSCKI"
    patient_user = await factories.user(session, Role.patient, full_name="Nguyễn Văn An")
    patient = await factories.patient(session, user_obj=patient_user)
    appointment = Appointment(
        slot_id=None,
        patient_id=patient.id,
        practitioner_id=practitioner.id,
        facility_id=facility.id,
        mode=mode,
        status=status,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=minutes),
        reason="Tái khám tăng huyết áp",
        booked_by_user_id=patient_user.id,
        created_at=factories.EPOCH,
    )
    session.add(appointment)
    await session.flush()
    return VideoVisit(facility, appointment, practitioner, doctor, patient_user, patient.full_name)
