"""The directory's answers, shaped as public schemas (no account or patient fields leak)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.directory import repository
from telehealth.directory.repository import BookablePractitioner
from telehealth.directory.schemas import (
    BookingRules,
    FacilityDetail,
    FacilityRef,
    FacilitySummary,
    PractitionerPublic,
    SpecialtyPublic,
)
from telehealth.errors import NotFound
from telehealth.models import Facility, FacilityLevel


def _summary(facility: Facility, province_name: str) -> FacilitySummary:
    # Read attributes rather than model_dump(): enum columns come back from the database as
    # plain strings, which the schema (not the table model) turns into enums.
    fields = {
        name: getattr(facility, name)
        for name in FacilitySummary.model_fields
        if name != "province_name"
    }
    return FacilitySummary.model_validate({**fields, "province_name": province_name})


async def search_facilities(
    session: AsyncSession,
    *,
    q: str | None,
    province_code: str | None,
    level: FacilityLevel | None,
    specialty_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[FacilitySummary]:
    rows = await repository.facilities(
        session,
        q=q,
        province_code=province_code,
        level=level,
        specialty_id=specialty_id,
        limit=limit,
        offset=offset,
    )
    return [_summary(f, name) for f, name in rows]


async def facility_detail(session: AsyncSession, facility_id: uuid.UUID) -> FacilityDetail:
    found = await repository.facility(session, facility_id)
    if found is None:
        raise NotFound("directory.errors.facility_not_found")
    facility, province_name = found
    specialties = await repository.facility_specialties(session, facility_id)
    return FacilityDetail(
        **_summary(facility, province_name).model_dump(),
        specialties=[SpecialtyPublic.model_validate(s) for s in specialties],
        booking_rules=BookingRules(
            horizon_days=facility.booking_horizon_days,
            min_notice_minutes=facility.booking_min_notice_minutes,
            cancel_min_notice_minutes=facility.cancel_min_notice_minutes,
        ),
    )


def practitioner_public(found: BookablePractitioner) -> PractitionerPublic:
    f = found.facility
    return PractitionerPublic(
        id=found.practitioner.id,
        full_name=found.full_name,
        title=found.practitioner.title,
        specialties=[SpecialtyPublic.model_validate(s) for s in found.specialties],
        facility=FacilityRef(
            id=f.id,
            name=f.name,
            name_en=f.name_en,
            province_code=f.province_code,
            address=f.address,
        ),
    )


async def search_practitioners(
    session: AsyncSession,
    *,
    facility_id: uuid.UUID | None,
    specialty_id: uuid.UUID | None,
    q: str | None,
    limit: int,
    offset: int,
) -> list[PractitionerPublic]:
    found = await repository.practitioners(
        session, facility_id=facility_id, specialty_id=specialty_id, q=q, limit=limit, offset=offset
    )
    return [practitioner_public(p) for p in found]


async def practitioner_detail(
    session: AsyncSession, practitioner_id: uuid.UUID
) -> PractitionerPublic:
    found = await repository.practitioner(session, practitioner_id)
    if found is None:
        raise NotFound("directory.errors.practitioner_not_found")
    return practitioner_public(found)


async def list_specialties(session: AsyncSession) -> list[SpecialtyPublic]:
    return [SpecialtyPublic.model_validate(s) for s in await repository.specialties(session)]
