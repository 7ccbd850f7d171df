"""Queries for patients and their consents."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import Consent, ConsentKind, Patient, User


async def patient_for_user(session: AsyncSession, user_id: uuid.UUID) -> Patient | None:
    result = await session.execute(select(Patient).where(Patient.user_id == user_id))
    return result.scalar_one_or_none()


async def national_id_taken(session: AsyncSession, national_id: str) -> bool:
    stmt = select(exists().where(Patient.national_id == national_id))
    return bool((await session.execute(stmt)).scalar())


async def username_taken(
    session: AsyncSession, username: str, *, except_user: uuid.UUID | None = None
) -> bool:
    condition = User.username == username
    if except_user is not None:
        condition = condition & (User.id != except_user)
    return bool((await session.execute(select(exists().where(condition)))).scalar())


async def consents(session: AsyncSession, patient_id: uuid.UUID) -> list[Consent]:
    stmt = (
        select(Consent)
        .where(Consent.patient_id == patient_id)
        .order_by(Consent.granted_at.desc(), Consent.id.desc())  # type: ignore[attr-defined]
    )
    return list((await session.execute(stmt)).scalars())


async def active_consents(
    session: AsyncSession, patient_id: uuid.UUID, kind: ConsentKind
) -> list[Consent]:
    stmt = select(Consent).where(
        Consent.patient_id == patient_id,
        Consent.kind == kind,
        Consent.withdrawn_at.is_(None),  # type: ignore[union-attr]
    )
    return list((await session.execute(stmt)).scalars())
