"""Practitioner administration API, under /admin, scoped to the admin's facility."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from telehealth.accounts.deps import FacilityAdminActor
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from telehealth.practitioners import service
from telehealth.practitioners.schemas import (
    PractitionerCreate,
    PractitionerProfile,
    PractitionerPublic,
)
from telehealth.scheduling.admin import report
from telehealth.scheduling.deps import ScheduleEnvDep
from telehealth.scheduling.schemas import SyncReport

router = APIRouter(prefix="/admin/practitioners", tags=["facility admin"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Only a facility admin may call this"},
    404: {"description": "No such practitioner in your facility"},
}


@router.get(
    "",
    response_model=list[PractitionerPublic],
    summary="Practitioners of my facility",
    description="Active ones first, then by name.",
    responses=_ERRORS,
)
async def list_practitioners(
    actor: FacilityAdminActor, session: SessionDep
) -> list[PractitionerPublic]:
    return await service.list_practitioners(session, actor)


@router.post(
    "",
    response_model=PractitionerPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a clinician account and practitioner",
    description="Creates the login (role clinician, this facility) and the practitioner profile "
    "with the practice certificate (CCHN) number. Specialties must be offered by the facility.",
    responses={
        **_ERRORS,
        409: {"description": "Username or CCHN number already used"},
        422: {"description": "Invalid field"},
    },
)
async def create_practitioner(
    body: PractitionerCreate, actor: FacilityAdminActor, session: SessionDep, clock: ClockDep
) -> PractitionerPublic:
    return await service.create_practitioner(session, actor, body, now=clock.now())


@router.get(
    "/{practitioner_id}",
    response_model=PractitionerPublic,
    summary="One practitioner",
    responses=_ERRORS,
)
async def read_practitioner(
    practitioner_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep
) -> PractitionerPublic:
    return await service.read_practitioner(session, actor, practitioner_id)


@router.put(
    "/{practitioner_id}",
    response_model=PractitionerPublic,
    summary="Change a practitioner's profile",
    description="Name, title, practice scope, specialties, contact, online booking.",
    responses={**_ERRORS, 422: {"description": "Invalid field"}},
)
async def update_practitioner(
    practitioner_id: uuid.UUID,
    body: PractitionerProfile,
    actor: FacilityAdminActor,
    session: SessionDep,
) -> PractitionerPublic:
    return await service.update_practitioner(session, actor, practitioner_id, body)


@router.post(
    "/{practitioner_id}/deactivate",
    response_model=SyncReport,
    summary="Deactivate a practitioner",
    description="The account can no longer log in and free future slots are withdrawn. Booked "
    "visits stay and are listed as conflicts; the practitioner is notified.",
    responses=_ERRORS,
)
async def deactivate_practitioner(
    practitioner_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> SyncReport:
    result = await service.set_active(session, actor, practitioner_id, False, env)
    return await report(session, result)


@router.post(
    "/{practitioner_id}/activate",
    response_model=SyncReport,
    summary="Reactivate a practitioner",
    description="Restores the login and materialises slots from the practitioner's rules.",
    responses=_ERRORS,
)
async def activate_practitioner(
    practitioner_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> SyncReport:
    result = await service.set_active(session, actor, practitioner_id, True, env)
    return await report(session, result)
