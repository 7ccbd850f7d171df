"""Queries of clinical documents, drafts, opinions and what the forms are prefilled from."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.models import (
    Appointment,
    ClinicalDocument,
    ConsultationOpinion,
    Facility,
    LiveSession,
    OutboxMessage,
    Practitioner,
    RecordDraft,
    SessionChatMessage,
    SessionParticipation,
    User,
    VisitMode,
)

D = ClinicalDocument


async def draft_for(session: AsyncSession, subject: str) -> RecordDraft | None:
    found = await session.execute(select(RecordDraft).where(col(RecordDraft.subject) == subject))
    return found.scalar_one_or_none()


async def document(session: AsyncSession, document_id: uuid.UUID) -> ClinicalDocument | None:
    return await session.get(ClinicalDocument, document_id)


async def versions(session: AsyncSession, subject: str) -> list[ClinicalDocument]:
    """Every signed version of a subject, oldest first."""
    found = await session.execute(
        select(D).where(col(D.subject) == subject).order_by(col(D.version))
    )
    return list(found.scalars())


async def latest(session: AsyncSession, subject: str) -> ClinicalDocument | None:
    found = await session.execute(
        select(D).where(col(D.subject) == subject).order_by(col(D.version).desc()).limit(1)
    )
    return found.scalar_one_or_none()


async def latest_by_subjects(
    session: AsyncSession, subjects: Collection[str]
) -> list[ClinicalDocument]:
    """The latest signed version of each subject that has one."""
    if not subjects:
        return []
    newest = (
        select(col(D.subject), func.max(col(D.version)).label("version"))
        .where(col(D.subject).in_(subjects))
        .group_by(col(D.subject))
        .subquery()
    )
    found = await session.execute(
        select(D).join(
            newest,
            (col(D.subject) == newest.c.subject) & (col(D.version) == newest.c.version),
        )
    )
    return list(found.scalars())


async def outbox_messages(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, OutboxMessage]:
    if not ids:
        return {}
    found = await session.execute(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))
    return {m.id: m for m in found.scalars()}


async def practitioner_with_user(
    session: AsyncSession, user_id: uuid.UUID
) -> tuple[Practitioner, User, Facility] | None:
    row = (
        await session.execute(
            select(Practitioner, User, Facility)
            .join(User, col(User.id) == col(Practitioner.user_id))
            .join(Facility, col(Facility.id) == col(Practitioner.facility_id))
            .where(col(Practitioner.user_id) == user_id)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


async def practitioner_by_id(
    session: AsyncSession, practitioner_id: uuid.UUID
) -> tuple[Practitioner, User, Facility] | None:
    row = (
        await session.execute(
            select(Practitioner, User, Facility)
            .join(User, col(User.id) == col(Practitioner.user_id))
            .join(Facility, col(Facility.id) == col(Practitioner.facility_id))
            .where(col(Practitioner.id) == practitioner_id)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


async def users_with_facility(
    session: AsyncSession, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[User, Facility | None, Practitioner | None]]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(User, Facility, Practitioner)
        .outerjoin(Facility, col(Facility.id) == col(User.facility_id))
        .outerjoin(Practitioner, col(Practitioner.user_id) == col(User.id))
        .where(col(User.id).in_(user_ids))
    )
    return {u.id: (u, f, p) for u, f, p in rows.all()}


async def live_session(session: AsyncSession, room: str) -> LiveSession | None:
    found = await session.execute(select(LiveSession).where(col(LiveSession.room) == room))
    return found.scalar_one_or_none()


async def participations(session: AsyncSession, room: str) -> Sequence[SessionParticipation]:
    found = await session.execute(
        select(SessionParticipation)
        .where(col(SessionParticipation.room) == room)
        .order_by(col(SessionParticipation.first_joined_at))
    )
    return found.scalars().all()


async def chat_lines(
    session: AsyncSession, room: str, ids: Collection[uuid.UUID] | None = None, limit: int = 500
) -> list[SessionChatMessage]:
    """A room's chat, oldest first; only the given lines when `ids` is set."""
    statement = select(SessionChatMessage).where(col(SessionChatMessage.room) == room)
    if ids is not None:
        if not ids:
            return []
        statement = statement.where(col(SessionChatMessage.id).in_(ids))
    found = await session.execute(
        statement.order_by(col(SessionChatMessage.sent_at), col(SessionChatMessage.id)).limit(limit)
    )
    return list(found.scalars())


async def opinions(
    session: AsyncSession, consultation_id: uuid.UUID
) -> list[tuple[ConsultationOpinion, User, Facility | None]]:
    rows = await session.execute(
        select(ConsultationOpinion, User, Facility)
        .join(User, col(User.id) == col(ConsultationOpinion.author_user_id))
        .outerjoin(Facility, col(Facility.id) == col(User.facility_id))
        .where(col(ConsultationOpinion.consultation_id) == consultation_id)
        .order_by(col(ConsultationOpinion.created_at))
    )
    return [(o, u, f) for o, u, f in rows.all()]


async def opinion_of(
    session: AsyncSession, consultation_id: uuid.UUID, user_id: uuid.UUID
) -> ConsultationOpinion | None:
    found = await session.execute(
        select(ConsultationOpinion).where(
            col(ConsultationOpinion.consultation_id) == consultation_id,
            col(ConsultationOpinion.author_user_id) == user_id,
        )
    )
    return found.scalar_one_or_none()


async def documents_where(
    session: AsyncSession, *conditions: Any, limit: int = 200
) -> list[ClinicalDocument]:
    found = await session.execute(
        select(D).where(*conditions).order_by(col(D.signed_at).desc()).limit(limit)
    )
    return list(found.scalars())


async def video_visits_of(
    session: AsyncSession, practitioner_id: uuid.UUID, limit: int = 50
) -> list[Appointment]:
    """A doctor's video visits, newest first: the ones a summary may be written for."""
    found = await session.execute(
        select(Appointment)
        .where(
            col(Appointment.practitioner_id) == practitioner_id,
            col(Appointment.mode) == VisitMode.video,
            col(Appointment.status) != "cancelled",
        )
        .order_by(col(Appointment.start_at).desc())
        .limit(limit)
    )
    return list(found.scalars())
