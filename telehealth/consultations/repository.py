"""Queries for consultation requests, their timeline, participants and the referral network."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from telehealth.models import (
    Attachment,
    ConsultationEvent,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationRequest,
    ConsultationStatus,
    Facility,
    Patient,
    Practitioner,
    PractitionerSpecialty,
    ReferralLink,
    Role,
    Specialty,
    User,
)

CR = ConsultationRequest


async def get(session: AsyncSession, consultation_id: uuid.UUID) -> ConsultationRequest | None:
    return await session.get(CR, consultation_id, populate_existing=True)


async def guarded_update(
    session: AsyncSession,
    consultation_id: uuid.UUID,
    *,
    expected: ConsultationStatus,
    values: dict[str, Any],
) -> bool:
    """Apply `values` only if the request is still in `expected`: of two specialists
    pressing "accept" at once, exactly one wins and the other gets a clean 409."""
    stmt = (
        update(CR)
        .where(CR.id == consultation_id, CR.status == expected)  # type: ignore[arg-type]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def practitioner_for_user(session: AsyncSession, user_id: uuid.UUID) -> Practitioner | None:
    stmt = select(Practitioner).where(
        Practitioner.user_id == user_id, Practitioner.is_active.is_(True)  # type: ignore[attr-defined]
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def specialty_ids_of(session: AsyncSession, practitioner_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(PractitionerSpecialty.specialty_id).where(
        PractitionerSpecialty.practitioner_id == practitioner_id
    )
    return list((await session.execute(stmt)).scalars())


async def is_participant(
    session: AsyncSession, consultation_id: uuid.UUID, practitioner_id: uuid.UUID
) -> bool:
    stmt = select(
        exists().where(
            ConsultationParticipant.consultation_id == consultation_id,
            ConsultationParticipant.practitioner_id == practitioner_id,
        )
    )
    return bool((await session.execute(stmt)).scalar())


async def referral_targets(
    session: AsyncSession, from_facility_id: uuid.UUID
) -> list[tuple[Facility, int]]:
    """The upper levels serving a facility, nearest (rank 1) first."""
    stmt = (
        select(Facility, ReferralLink.rank)
        .join(ReferralLink, ReferralLink.to_facility_id == Facility.id)
        .where(ReferralLink.from_facility_id == from_facility_id, Facility.is_active.is_(True))  # type: ignore[attr-defined]
        .order_by(ReferralLink.rank, Facility.name)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def active_facilities(session: AsyncSession) -> list[Facility]:
    stmt = select(Facility).where(Facility.is_active.is_(True)).order_by(Facility.name)  # type: ignore[attr-defined]
    return list((await session.execute(stmt)).scalars())


def _specialists_stmt(facility_id: uuid.UUID, specialty_id: uuid.UUID) -> Any:
    return (
        select(User.id)
        .join(Practitioner, Practitioner.user_id == User.id)
        .join(PractitionerSpecialty, PractitionerSpecialty.practitioner_id == Practitioner.id)
        .where(
            Practitioner.facility_id == facility_id,
            Practitioner.is_active.is_(True),  # type: ignore[attr-defined]
            PractitionerSpecialty.specialty_id == specialty_id,
            User.is_active.is_(True),  # type: ignore[attr-defined]
            User.role == Role.clinician,
        )
    )


async def specialist_user_ids(
    session: AsyncSession, facility_id: uuid.UUID, specialty_id: uuid.UUID
) -> list[uuid.UUID]:
    return list((await session.execute(_specialists_stmt(facility_id, specialty_id))).scalars())


async def facility_admin_ids(session: AsyncSession, facility_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(User.id).where(
        User.facility_id == facility_id,
        User.role == Role.facility_admin,
        User.is_active.is_(True),  # type: ignore[attr-defined]
    )
    return list((await session.execute(stmt)).scalars())


async def questions(
    session: AsyncSession, consultation_id: uuid.UUID
) -> list[ConsultationQuestion]:
    stmt = (
        select(ConsultationQuestion)
        .where(ConsultationQuestion.consultation_id == consultation_id)
        .order_by(ConsultationQuestion.position)  # type: ignore[arg-type]
    )
    return list((await session.execute(stmt)).scalars())


async def attachments(session: AsyncSession, consultation_id: uuid.UUID) -> list[Attachment]:
    stmt = (
        select(Attachment)
        .where(Attachment.consultation_id == consultation_id)
        .order_by(Attachment.created_at, Attachment.id)  # type: ignore[arg-type]
    )
    return list((await session.execute(stmt)).scalars())


async def participants(
    session: AsyncSession, consultation_id: uuid.UUID
) -> list[tuple[ConsultationParticipant, User, Facility]]:
    stmt = (
        select(ConsultationParticipant, User, Facility)
        .join(Practitioner, Practitioner.id == ConsultationParticipant.practitioner_id)
        .join(User, User.id == Practitioner.user_id)
        .join(Facility, Facility.id == Practitioner.facility_id)
        .where(ConsultationParticipant.consultation_id == consultation_id)
        .order_by(ConsultationParticipant.invited_at)  # type: ignore[arg-type]
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def participant_user_ids(
    session: AsyncSession, consultation_id: uuid.UUID
) -> list[uuid.UUID]:
    return [user.id for _, user, _ in await participants(session, consultation_id)]


async def timeline(
    session: AsyncSession, consultation_id: uuid.UUID
) -> list[tuple[ConsultationEvent, str | None]]:
    stmt = (
        select(ConsultationEvent, User.full_name)
        .outerjoin(User, User.id == ConsultationEvent.actor_user_id)
        .where(ConsultationEvent.consultation_id == consultation_id)
        .order_by(ConsultationEvent.at, ConsultationEvent.id)  # type: ignore[arg-type]
    )
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


RequestingFacility = aliased(Facility)
ConsultingFacility = aliased(Facility)
SummaryRow = tuple[ConsultationRequest, str, str, str, Specialty]


def _summary_select() -> Any:
    return (
        select(CR, Patient.full_name, RequestingFacility.name, ConsultingFacility.name, Specialty)
        .join(Patient, Patient.id == CR.patient_id)
        .join(RequestingFacility, RequestingFacility.id == CR.requesting_facility_id)
        .join(ConsultingFacility, ConsultingFacility.id == CR.consulting_facility_id)
        .join(Specialty, Specialty.id == CR.specialty_id)
    )


def _rows(result: Any) -> list[SummaryRow]:
    return [(r[0], r[1], r[2], r[3], r[4]) for r in result.all()]


async def summary(session: AsyncSession, consultation_id: uuid.UUID) -> SummaryRow | None:
    rows = _rows(await session.execute(_summary_select().where(CR.id == consultation_id)))
    return rows[0] if rows else None


async def requested_by_facility(
    session: AsyncSession,
    facility_id: uuid.UUID,
    statuses: Iterable[ConsultationStatus] | None = None,
    limit: int = 200,
) -> list[SummaryRow]:
    stmt = _summary_select().where(CR.requesting_facility_id == facility_id)
    if statuses is not None:
        stmt = stmt.where(CR.status.in_(list(statuses)))  # type: ignore[attr-defined]
    stmt = stmt.order_by(CR.created_at.desc()).limit(limit)  # type: ignore[attr-defined]
    return _rows(await session.execute(stmt))


async def queue(
    session: AsyncSession,
    facility_id: uuid.UUID,
    specialty_ids: Sequence[uuid.UUID],
    practitioner_id: uuid.UUID,
    statuses: Iterable[ConsultationStatus],
) -> list[SummaryRow]:
    """Open requests for the facility's specialties, plus any the caller was invited to:
    emergencies first, then the longest waiting."""
    invited = select(ConsultationParticipant.consultation_id).where(
        ConsultationParticipant.practitioner_id == practitioner_id
    )
    priority = case(
        (CR.urgency == "emergency", 0), (CR.urgency == "urgent", 1), else_=2
    )
    stmt = (
        _summary_select()
        .where(
            CR.status.in_(list(statuses)),  # type: ignore[attr-defined]
            or_(
                (CR.consulting_facility_id == facility_id)
                & CR.specialty_id.in_(list(specialty_ids)),  # type: ignore[attr-defined]
                CR.id.in_(invited),  # type: ignore[attr-defined]
            ),
        )
        .order_by(priority, CR.queued_at, CR.id)
        .limit(500)
    )
    return _rows(await session.execute(stmt))


async def colleagues(
    session: AsyncSession,
    *,
    facility_id: uuid.UUID,
    specialty_id: uuid.UUID,
    name_query: str,
    exclude_user_id: uuid.UUID,
    limit: int = 20,
) -> list[tuple[Practitioner, User, Facility]]:
    """Practitioners who may be invited: anyone at the consulting facility, or anyone of the
    request's specialty elsewhere."""
    same_specialty = select(PractitionerSpecialty.practitioner_id).where(
        PractitionerSpecialty.specialty_id == specialty_id
    )
    stmt = (
        select(Practitioner, User, Facility)
        .join(User, User.id == Practitioner.user_id)
        .join(Facility, Facility.id == Practitioner.facility_id)
        .where(
            Practitioner.is_active.is_(True),  # type: ignore[attr-defined]
            User.is_active.is_(True),  # type: ignore[attr-defined]
            User.id != exclude_user_id,
            or_(Practitioner.facility_id == facility_id, Practitioner.id.in_(same_specialty)),  # type: ignore[attr-defined]
        )
        .order_by(User.full_name)
        .limit(limit)
    )
    if name_query:
        stmt = stmt.where(func.lower(User.full_name).contains(name_query.lower()))
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def awaiting_past(
    session: AsyncSession, column: Any, before: datetime, *, unescalated: bool = False
) -> list[uuid.UUID]:
    """Requests waiting for acceptance whose `column` (due_at or queued_at) is before `before`."""
    stmt = select(CR.id).where(
        CR.status.in_([ConsultationStatus.submitted, ConsultationStatus.forwarded]),  # type: ignore[attr-defined]
        column <= before,
    )
    if unescalated:
        stmt = stmt.where(CR.escalated_at.is_(None))  # type: ignore[union-attr]
    return list((await session.execute(stmt.order_by(column).limit(500))).scalars())


async def facilities_with_specialists(
    session: AsyncSession, specialty_id: uuid.UUID
) -> set[uuid.UUID]:
    """Facilities where someone could answer a request of this specialty."""
    stmt = (
        select(Practitioner.facility_id)
        .join(PractitionerSpecialty, PractitionerSpecialty.practitioner_id == Practitioner.id)
        .join(User, User.id == Practitioner.user_id)
        .where(
            PractitionerSpecialty.specialty_id == specialty_id,
            Practitioner.is_active.is_(True),  # type: ignore[attr-defined]
            User.is_active.is_(True),  # type: ignore[attr-defined]
            User.role == Role.clinician,
        )
        .distinct()
    )
    return set((await session.execute(stmt)).scalars())


async def mark_escalated(session: AsyncSession, consultation_id: uuid.UUID, now: datetime) -> bool:
    """Claim one breach for escalation. Several workers may run the job at once: only the
    UPDATE that still finds `escalated_at` empty wins, so each breach is escalated once."""
    stmt = (
        update(CR)
        .where(
            CR.id == consultation_id,  # type: ignore[arg-type]
            CR.escalated_at.is_(None),  # type: ignore[union-attr]
            CR.status.in_([ConsultationStatus.submitted, ConsultationStatus.forwarded]),  # type: ignore[attr-defined]
            CR.due_at <= now,  # type: ignore[operator]
        )
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
