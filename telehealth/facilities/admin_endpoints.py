"""Facility admin API: the admin's own facility, its booking rules and its specialties."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from telehealth.accounts.deps import FacilityAdminActor
from telehealth.db import SessionDep
from telehealth.deps import SettingsDep
from telehealth.facilities import admin_service
from telehealth.facilities.admin_schemas import BookingRules, FacilityAdminView, SpecialtyOffer

router = APIRouter(prefix="/admin", tags=["facility admin"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Only a facility admin may call this"},
}


@router.get(
    "/facility",
    response_model=FacilityAdminView,
    summary="My facility",
    description="The facility the calling admin manages, with its booking rules.",
    responses=_ERRORS,
)
async def read_facility(actor: FacilityAdminActor, session: SessionDep) -> FacilityAdminView:
    return await admin_service.read_facility(session, actor)


@router.put(
    "/facility/booking-rules",
    response_model=FacilityAdminView,
    summary="Change the booking rules",
    description="How far ahead patients may book, and the minimum notice to book or cancel. "
    "The booking horizon cannot exceed the slot horizon (slots do not exist beyond it).",
    responses={**_ERRORS, 422: {"description": "Out of range"}},
)
async def update_booking_rules(
    body: BookingRules, actor: FacilityAdminActor, session: SessionDep, settings: SettingsDep
) -> FacilityAdminView:
    return await admin_service.update_booking_rules(
        session, actor, body, slot_horizon_days=settings.slot_horizon_days
    )


@router.get(
    "/specialties",
    response_model=list[SpecialtyOffer],
    summary="Specialties, and which ones my facility offers",
    description="The national list of specialties, each marked offered or not by this facility, "
    "with the number of active practitioners in it.",
    responses=_ERRORS,
)
async def list_specialties(actor: FacilityAdminActor, session: SessionDep) -> list[SpecialtyOffer]:
    return await admin_service.list_specialties(session, actor)


@router.put(
    "/specialties/{specialty_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Offer a specialty",
    description="Idempotent: offering a specialty already offered changes nothing.",
    responses={**_ERRORS, 404: {"description": "No such specialty"}},
)
async def offer_specialty(
    specialty_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep
) -> None:
    await admin_service.offer_specialty(session, actor, specialty_id)


@router.delete(
    "/specialties/{specialty_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop offering a specialty",
    description="Refused (409) while a practitioner of the facility still lists it.",
    responses={
        **_ERRORS,
        404: {"description": "Not offered"},
        409: {"description": "Still in use"},
    },
)
async def withdraw_specialty(
    specialty_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep
) -> None:
    await admin_service.withdraw_specialty(session, actor, specialty_id)
