"""A facility admin's own facility: its booking rules and the specialties it offers."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.errors import Conflict, NotFound, ValidationFailed
from telehealth.facilities.admin_schemas import BookingRules, FacilityAdminView, SpecialtyOffer
from telehealth.models import (
    Facility,
    FacilitySpecialty,
    Practitioner,
    PractitionerSpecialty,
    Specialty,
)
from telehealth.practitioners.repository import offered_specialty_ids
from telehealth.practitioners.service import admin_facility


async def own_facility(session: AsyncSession, actor: Actor) -> Facility:
    facility = await session.get(Facility, admin_facility(actor))
    if facility is None:
        raise NotFound("admin.errors.facility_not_found")
    return facility


async def read_facility(session: AsyncSession, actor: Actor) -> FacilityAdminView:
    facility = await own_facility(session, actor)
    return FacilityAdminView.model_validate(facility, from_attributes=True)


async def update_booking_rules(
    session: AsyncSession, actor: Actor, body: BookingRules, *, slot_horizon_days: int
) -> FacilityAdminView:
    # Slots exist only slot_horizon_days ahead: a longer booking horizon would promise
    # patients dates on which they will never find a slot.
    if body.booking_horizon_days > slot_horizon_days:
        raise ValidationFailed("admin.errors.horizon_beyond_slots", days=slot_horizon_days)
    facility = await own_facility(session, actor)
    before = BookingRules.model_validate(facility).model_dump()
    for name, value in body.model_dump().items():
        setattr(facility, name, value)
    await session.flush()
    record(
        session,
        actor,
        "facility.booking_rules.update",
        resource_type="Facility",
        resource_id=facility.id,
        detail={"before": before, "after": body.model_dump()},
    )
    return FacilityAdminView.model_validate(facility, from_attributes=True)


async def list_specialties(session: AsyncSession, actor: Actor) -> list[SpecialtyOffer]:
    facility_id = admin_facility(actor)
    offered = await offered_specialty_ids(session, facility_id)
    counts_stmt = (
        select(col(PractitionerSpecialty.specialty_id), func.count())
        .join(Practitioner, col(Practitioner.id) == col(PractitionerSpecialty.practitioner_id))
        .where(col(Practitioner.facility_id) == facility_id, col(Practitioner.is_active).is_(True))
        .group_by(col(PractitionerSpecialty.specialty_id))
    )
    counts = {sid: int(n) for sid, n in (await session.execute(counts_stmt)).all()}
    specialties = (
        await session.execute(select(Specialty).order_by(col(Specialty.name_vi)))
    ).scalars()
    return [
        SpecialtyOffer(
            id=s.id,
            code=s.code,
            name_vi=s.name_vi,
            name_en=s.name_en,
            offered=s.id in offered,
            practitioners=counts.get(s.id, 0),
        )
        for s in specialties
    ]


async def offer_specialty(session: AsyncSession, actor: Actor, specialty_id: uuid.UUID) -> None:
    facility_id = admin_facility(actor)
    if await session.get(Specialty, specialty_id) is None:
        raise NotFound("admin.errors.specialty_not_found")
    if specialty_id in await offered_specialty_ids(session, facility_id):
        return  # offering it twice is the same as once
    session.add(FacilitySpecialty(facility_id=facility_id, specialty_id=specialty_id))
    await session.flush()
    record(
        session,
        actor,
        "facility.specialty.add",
        resource_type="Specialty",
        resource_id=specialty_id,
    )


async def withdraw_specialty(session: AsyncSession, actor: Actor, specialty_id: uuid.UUID) -> None:
    facility_id = admin_facility(actor)
    if specialty_id not in await offered_specialty_ids(session, facility_id):
        raise NotFound("admin.errors.specialty_not_found")
    in_use = await session.execute(
        select(func.count())
        .select_from(PractitionerSpecialty)
        .join(Practitioner, col(Practitioner.id) == col(PractitionerSpecialty.practitioner_id))
        .where(
            col(Practitioner.facility_id) == facility_id,
            col(PractitionerSpecialty.specialty_id) == specialty_id,
        )
    )
    if in_use.scalar_one():
        # Patients search by specialty: removing it while practitioners list it would hide them.
        raise Conflict("admin.errors.specialty_in_use")
    await session.execute(
        delete(FacilitySpecialty).where(
            col(FacilitySpecialty.facility_id) == facility_id,
            col(FacilitySpecialty.specialty_id) == specialty_id,
        )
    )
    record(
        session,
        actor,
        "facility.specialty.remove",
        resource_type="Specialty",
        resource_id=specialty_id,
    )
