"""Directory queries. Only active facilities and bookable practitioners are ever returned."""

from __future__ import annotations

import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import (
    Facility,
    FacilityLevel,
    FacilitySpecialty,
    Practitioner,
    PractitionerSpecialty,
    Province,
    Specialty,
    User,
)


def fold(text: str) -> str:
    """Lower-case without diacritics: people often type Vietnamese names without tones.

    "đ" is a letter of its own in Unicode, not "d" plus a mark, so NFD alone keeps it.
    """
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def matches(query: str, *texts: str | None) -> bool:
    words = fold(query).split()
    haystack = " ".join(fold(t) for t in texts if t)
    return all(word in haystack for word in words)


def _has_specialty(specialty_id: uuid.UUID):  # type: ignore[no-untyped-def]
    # A facility offers a specialty when it declares it or one of its doctors practises it.
    declared = exists().where(
        FacilitySpecialty.facility_id == Facility.id, FacilitySpecialty.specialty_id == specialty_id
    )
    practised = exists().where(
        Practitioner.facility_id == Facility.id,
        Practitioner.is_active.is_(True),  # type: ignore[attr-defined]
        PractitionerSpecialty.practitioner_id == Practitioner.id,
        PractitionerSpecialty.specialty_id == specialty_id,
    )
    return or_(declared, practised)


async def facilities(
    session: AsyncSession,
    *,
    q: str | None,
    province_code: str | None,
    level: FacilityLevel | None,
    specialty_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[tuple[Facility, str]]:
    stmt = (
        select(Facility, Province.name)
        .join(Province, Province.code == Facility.province_code)
        .where(Facility.is_active.is_(True))  # type: ignore[attr-defined]
        .order_by(Facility.name, Facility.code)
    )
    if province_code:
        stmt = stmt.where(Facility.province_code == province_code)
    if level:
        stmt = stmt.where(Facility.level == level)
    if specialty_id:
        stmt = stmt.where(_has_specialty(specialty_id))
    if not q:
        rows = await session.execute(stmt.limit(limit).offset(offset))
        return [(f, name) for f, name in rows.all()]
    # Accent-insensitive matching is done here rather than in SQL: SQLite and PostgreSQL
    # (without the unaccent extension) cannot fold Vietnamese, and the filtered list of
    # active facilities of a search is small (a few thousand rows nationally).
    found = [
        (f, name)
        for f, name in (await session.execute(stmt)).all()
        if matches(q, f.name, f.name_en, f.code, f.address, name)
    ]
    return found[offset : offset + limit]


async def facility(session: AsyncSession, facility_id: uuid.UUID) -> tuple[Facility, str] | None:
    stmt = (
        select(Facility, Province.name)
        .join(Province, Province.code == Facility.province_code)
        .where(Facility.id == facility_id, Facility.is_active.is_(True))  # type: ignore[attr-defined]
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def facility_specialties(session: AsyncSession, facility_id: uuid.UUID) -> list[Specialty]:
    declared = select(FacilitySpecialty.specialty_id).where(
        FacilitySpecialty.facility_id == facility_id
    )
    practised = (
        select(PractitionerSpecialty.specialty_id)
        .join(Practitioner, Practitioner.id == PractitionerSpecialty.practitioner_id)
        .where(Practitioner.facility_id == facility_id, Practitioner.is_active.is_(True))  # type: ignore[attr-defined]
    )
    stmt = (
        select(Specialty)
        .where(or_(Specialty.id.in_(declared), Specialty.id.in_(practised)))  # type: ignore[attr-defined]
        .order_by(Specialty.name_vi)
    )
    return list((await session.execute(stmt)).scalars())


async def specialties(session: AsyncSession) -> list[Specialty]:
    return list((await session.execute(select(Specialty).order_by(Specialty.name_vi))).scalars())


@dataclass(frozen=True)
class BookablePractitioner:
    practitioner: Practitioner
    full_name: str
    facility: Facility
    specialties: list[Specialty]


def _bookable():  # type: ignore[no-untyped-def]
    return (
        select(Practitioner, User.full_name, Facility)
        .join(User, User.id == Practitioner.user_id)
        .join(Facility, Facility.id == Practitioner.facility_id)
        .where(
            Practitioner.is_active.is_(True),  # type: ignore[attr-defined]
            Practitioner.accepts_online_booking.is_(True),  # type: ignore[attr-defined]
            User.is_active.is_(True),  # type: ignore[attr-defined]
            Facility.is_active.is_(True),  # type: ignore[attr-defined]
        )
    )


async def _with_specialties(
    session: AsyncSession, rows: list[tuple[Practitioner, str, Facility]]
) -> list[BookablePractitioner]:
    ids = [p.id for p, _, _ in rows]
    by_practitioner: dict[uuid.UUID, list[Specialty]] = defaultdict(list)
    if ids:
        stmt = (
            select(PractitionerSpecialty.practitioner_id, Specialty)
            .join(Specialty, Specialty.id == PractitionerSpecialty.specialty_id)
            .where(PractitionerSpecialty.practitioner_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(Specialty.name_vi)
        )
        for practitioner_id, spec in (await session.execute(stmt)).all():
            by_practitioner[practitioner_id].append(spec)
    return [BookablePractitioner(p, name, f, by_practitioner[p.id]) for p, name, f in rows]


async def practitioners(
    session: AsyncSession,
    *,
    facility_id: uuid.UUID | None,
    specialty_id: uuid.UUID | None,
    q: str | None,
    limit: int,
    offset: int,
) -> list[BookablePractitioner]:
    stmt = _bookable().order_by(User.full_name, Practitioner.id)
    if facility_id:
        stmt = stmt.where(Practitioner.facility_id == facility_id)
    if specialty_id:
        stmt = stmt.where(
            exists().where(
                PractitionerSpecialty.practitioner_id == Practitioner.id,
                PractitionerSpecialty.specialty_id == specialty_id,
            )
        )
    if q:
        rows = [
            (p, n, f)
            for p, n, f in (await session.execute(stmt)).all()
            if matches(q, n, p.title, f.name)
        ]
        rows = rows[offset : offset + limit]
    else:
        rows = [
            (p, n, f) for p, n, f in (await session.execute(stmt.limit(limit).offset(offset))).all()
        ]
    return await _with_specialties(session, rows)


async def practitioner(
    session: AsyncSession, practitioner_id: uuid.UUID
) -> BookablePractitioner | None:
    row = (await session.execute(_bookable().where(Practitioner.id == practitioner_id))).first()
    if row is None:
        return None
    return (await _with_specialties(session, [(row[0], row[1], row[2])]))[0]
