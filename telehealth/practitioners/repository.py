"""Queries for practitioners, their accounts and specialties."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.models import (
    FacilitySpecialty,
    Practitioner,
    PractitionerSpecialty,
    Specialty,
    User,
)


async def get_in_facility(
    session: AsyncSession, practitioner_id: uuid.UUID, facility_id: uuid.UUID
) -> Practitioner | None:
    stmt = select(Practitioner).where(
        col(Practitioner.id) == practitioner_id, col(Practitioner.facility_id) == facility_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_with_users(
    session: AsyncSession, facility_id: uuid.UUID
) -> list[tuple[Practitioner, User]]:
    stmt = (
        select(Practitioner, User)
        .join(User, col(User.id) == col(Practitioner.user_id))
        .where(col(Practitioner.facility_id) == facility_id)
        .order_by(col(Practitioner.is_active).desc(), col(User.full_name))
    )
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def specialties_of(
    session: AsyncSession, practitioner_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Specialty]]:
    out: dict[uuid.UUID, list[Specialty]] = {pid: [] for pid in practitioner_ids}
    if not practitioner_ids:
        return out
    stmt = (
        select(col(PractitionerSpecialty.practitioner_id), Specialty)
        .join(Specialty, col(Specialty.id) == col(PractitionerSpecialty.specialty_id))
        .where(col(PractitionerSpecialty.practitioner_id).in_(practitioner_ids))
        .order_by(col(Specialty.name_vi))
    )
    for pid, specialty in (await session.execute(stmt)).all():
        out[pid].append(specialty)
    return out


async def offered_specialty_ids(session: AsyncSession, facility_id: uuid.UUID) -> set[uuid.UUID]:
    stmt = select(col(FacilitySpecialty.specialty_id)).where(
        col(FacilitySpecialty.facility_id) == facility_id
    )
    return set((await session.execute(stmt)).scalars().all())


async def set_specialties(
    session: AsyncSession, practitioner_id: uuid.UUID, specialty_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(
        delete(PractitionerSpecialty).where(
            col(PractitionerSpecialty.practitioner_id) == practitioner_id
        )
    )
    for sid in dict.fromkeys(specialty_ids):
        session.add(PractitionerSpecialty(practitioner_id=practitioner_id, specialty_id=sid))


async def username_taken(session: AsyncSession, username: str) -> bool:
    stmt = select(col(User.id)).where(col(User.username) == username)
    return (await session.execute(stmt)).first() is not None


async def certificate_taken(
    session: AsyncSession, number: str, *, except_id: uuid.UUID | None = None
) -> bool:
    stmt = select(col(Practitioner.id)).where(
        col(Practitioner.practice_certificate_number) == number
    )
    if except_id is not None:
        stmt = stmt.where(col(Practitioner.id) != except_id)
    return (await session.execute(stmt)).first() is not None
