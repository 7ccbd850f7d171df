"""Test data for quality: two provinces, their facilities and people, video visits with samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import (
    Appointment,
    AppointmentStatus,
    Facility,
    FacilityLevel,
    LiveSession,
    Patient,
    Practitioner,
    Role,
    SessionParticipation,
    Specialty,
    User,
    VisitMode,
)
from tests.fixtures import factories


@dataclass
class World:
    hospital: Facility  # province 08, hosts the visits
    station: Facility  # province 08, a commune station
    foreign: Facility  # province 22
    specialty: Specialty
    admin: User  # of the hospital
    station_admin: User
    foreign_admin: User
    clinician: User  # of the hospital
    doctor: Practitioner
    regulator_08: User
    regulator_22: User
    national: User
    patient_user: User
    patient: Patient
    system_admin: User
    others: dict[str, Any] = field(default_factory=dict)


async def build_world(session: AsyncSession) -> World:
    await factories.province(session, "22", "Quảng Ninh")
    hospital = await factories.facility(session, name="Bệnh viện Đa khoa tỉnh")
    station = await factories.facility(session, level=FacilityLevel.commune, name="Trạm Y tế xã")
    foreign = await factories.facility(session, province_code="22", name="Bệnh viện Quảng Ninh")
    specialty = await factories.specialty(session, name="Tim mạch")
    doctor_user = await factories.user(session, Role.clinician, facility_id=hospital.id)
    doctor = await factories.practitioner(session, hospital.id, user_obj=doctor_user)
    patient_user = await factories.user(session, Role.patient)
    return World(
        hospital=hospital, station=station, foreign=foreign, specialty=specialty,
        admin=await factories.user(session, Role.facility_admin, facility_id=hospital.id),
        station_admin=await factories.user(session, Role.facility_admin, facility_id=station.id),
        foreign_admin=await factories.user(session, Role.facility_admin, facility_id=foreign.id),
        clinician=doctor_user, doctor=doctor,
        regulator_08=await factories.user(session, Role.regulator, jurisdiction_province_code="08"),
        regulator_22=await factories.user(session, Role.regulator, jurisdiction_province_code="22"),
        national=await factories.user(session, Role.regulator),
        patient_user=patient_user,
        patient=await factories.patient(session, user_obj=patient_user),
        system_admin=await factories.user(session, Role.system_admin),
    )


async def video_visit(
    session: AsyncSession,
    w: World,
    start_at: datetime,
    *,
    facility: Facility | None = None,
    status: AppointmentStatus = AppointmentStatus.booked,
    held: bool = True,
    minutes: int = 30,
    ended_after: timedelta | None = timedelta(minutes=20),
) -> Appointment:
    """A video appointment; `held`: the doctor and the patient joined its room."""
    facility = facility or w.hospital
    appointment = Appointment(
        slot_id=None, patient_id=w.patient.id, practitioner_id=w.doctor.id,
        facility_id=facility.id, specialty_id=w.specialty.id, mode=VisitMode.video,
        status=status, start_at=start_at, end_at=start_at + timedelta(minutes=minutes),
        booked_by_user_id=w.patient_user.id, created_at=factories.EPOCH,
    )
    session.add(appointment)
    await session.flush()
    if held:
        room = f"appointment:{appointment.id}"
        session.add(LiveSession(
            room=room, kind="appointment", resource_id=appointment.id, started_at=start_at,
            ended_at=start_at + ended_after if ended_after is not None else None,
        ))
        for user, role in ((w.doctor.user_id, "host"), (w.patient_user.id, "guest")):
            session.add(SessionParticipation(
                room=room, user_id=user, role=role, display_name=str(role),
                first_joined_at=start_at, last_joined_at=start_at,
            ))
        await session.flush()
    return appointment


def sample(n: int, **overrides: Any) -> dict[str, Any]:
    """The n-th 5-second sample of a steady link (cumulative counters grow with n)."""
    base: dict[str, Any] = {
        "remote_peer_id": "remote",
        "rtt_ms": 80 + n % 3 * 10,
        "jitter_ms": 5.0 + n % 2,
        "packets_lost": n * 2,
        "packets_received": n * 500,
        "bitrate_in_kbps": 900,
        "bitrate_out_kbps": 850,
        "frames_decoded": n * 125,
        "frames_dropped": 0,
        "frame_width": 640,
        "frame_height": 480,
        "freeze_count": 0,
        "audio_only": False,
    }
    base.update(overrides)
    return base


def uid(user: User) -> str:
    return str(user.id)
