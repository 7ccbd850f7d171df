"""Directory API: public, read-only look-ups for choosing where and with whom to book.

Every route takes `OptionalActor`: being logged in is allowed but never required, and the
answers are the same for everyone (no patient data is reachable from here).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from telehealth.accounts.deps import OptionalActor
from telehealth.db import SessionDep
from telehealth.directory import service
from telehealth.directory.schemas import (
    FacilityDetail,
    FacilitySummary,
    PractitionerPublic,
    SpecialtyPublic,
)
from telehealth.models import FacilityLevel

router = APIRouter(tags=["directory"])

Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=100_000)]
SearchText = Annotated[
    str | None,
    Query(max_length=100, description="Words to find, with or without Vietnamese diacritics"),
]


@router.get(
    "/facilities",
    response_model=list[FacilitySummary],
    summary="Search facilities (public)",
    description="Active health facilities, by name or code (`q`), province, level and "
    "specialty. No login needed.",
)
async def search_facilities(
    session: SessionDep,
    actor: OptionalActor,
    q: SearchText = None,
    province_code: Annotated[str | None, Query(max_length=3, examples=["08"])] = None,
    level: FacilityLevel | None = None,
    specialty_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[FacilitySummary]:
    return await service.search_facilities(
        session,
        q=q,
        province_code=province_code,
        level=level,
        specialty_id=specialty_id,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/facilities/{facility_id}",
    response_model=FacilityDetail,
    summary="One facility (public)",
    description="The facility, its specialties and its booking rules.",
    responses={404: {"description": "No such active facility"}},
)
async def read_facility(
    facility_id: uuid.UUID, session: SessionDep, actor: OptionalActor
) -> FacilityDetail:
    return await service.facility_detail(session, facility_id)


@router.get(
    "/specialties", response_model=list[SpecialtyPublic], summary="All specialties (public)"
)
async def list_specialties(session: SessionDep, actor: OptionalActor) -> list[SpecialtyPublic]:
    return await service.list_specialties(session)


@router.get(
    "/practitioners",
    response_model=list[PractitionerPublic],
    summary="Search bookable practitioners (public)",
    description="Active practitioners who accept online booking: professional name, title, "
    "specialties and facility only.",
)
async def search_practitioners(
    session: SessionDep,
    actor: OptionalActor,
    facility_id: uuid.UUID | None = None,
    specialty_id: uuid.UUID | None = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[PractitionerPublic]:
    return await service.search_practitioners(
        session, facility_id=facility_id, specialty_id=specialty_id, q=q, limit=limit, offset=offset
    )


@router.get(
    "/practitioners/{practitioner_id}",
    response_model=PractitionerPublic,
    summary="One bookable practitioner (public)",
    responses={404: {"description": "No such bookable practitioner"}},
)
async def read_practitioner(
    practitioner_id: uuid.UUID, session: SessionDep, actor: OptionalActor
) -> PractitionerPublic:
    return await service.practitioner_detail(session, practitioner_id)
