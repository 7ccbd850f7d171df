"""Booking API: free slots (public), and appointments booked, read, cancelled, rescheduled."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from telehealth.accounts.context import Actor
from telehealth.accounts.deps import OptionalActor, PatientActor, require_roles
from telehealth.booking import calendar, service
from telehealth.booking.repository import SlotSearch
from telehealth.booking.schemas import (
    AppointmentPublic,
    BookingRequest,
    CancelRequest,
    RescheduleRequest,
    SlotPublic,
)
from telehealth.db import SessionDep
from telehealth.deps import BusDep, ClockDep, SettingsDep
from telehealth.errors import BadRequest
from telehealth.models import Role, VisitMode

router = APIRouter(tags=["booking"])

# Patients see their own appointments; clinicians and facility admins those of their facility.
AppointmentReader = Annotated[
    Actor, Depends(require_roles(Role.patient, Role.clinician, Role.facility_admin))
]

_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Video visit without an active telemedicine consent (`consent_required`)"},
    404: {"description": "No such bookable slot, or no patient record"},
    409: {
        "description": "Slot taken (`slot_taken`), in the past, outside the booking window "
        "(`too_late`, `too_far`), mode not offered, or overlapping"
    },
    422: {"description": "Malformed body"},
}


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise BadRequest("booking.errors.naive_time", code="naive_time", field=field)
    return value


@router.get(
    "/slots",
    response_model=list[SlotPublic],
    summary="Free slots (public)",
    description="Bookable slots nobody holds, inside each facility's booking window (from now "
    "plus its minimum notice to now plus its horizon). Give at least one of `facility_id`, "
    "`practitioner_id`, `specialty_id`. `from`/`to` are RFC 3339 instants with an offset.",
)
async def free_slots(
    session: SessionDep,
    clock: ClockDep,
    actor: OptionalActor,
    facility_id: uuid.UUID | None = None,
    practitioner_id: uuid.UUID | None = None,
    specialty_id: uuid.UUID | None = None,
    start: Annotated[
        datetime | None, Query(alias="from", examples=["2026-11-24T00:00:00+07:00"])
    ] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    mode: VisitMode | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[SlotPublic]:
    now = clock.now()
    start = _aware(start, "from") or now
    end = _aware(end, "to") or start + timedelta(days=28)
    search = SlotSearch(
        start=max(start, now),
        end=end,
        facility_id=facility_id,
        practitioner_id=practitioner_id,
        specialty_id=specialty_id,
        mode=mode,
        limit=limit,
    )
    return await service.free_slots(session, search, now)


@router.post(
    "/appointments",
    response_model=AppointmentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Book a slot",
    description="A patient books a free slot for themself, in person or by video. Exactly one "
    "of several patients racing for a slot gets 201; the others get 409 `slot_taken`.",
    responses=_REFUSALS,
)
async def book(
    body: BookingRequest,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    bus: BusDep,
    settings: SettingsDep,
) -> AppointmentPublic:
    return await service.book(session, bus, settings, actor, body, now=clock.now())


@router.get(
    "/appointments",
    response_model=list[AppointmentPublic],
    summary="Appointments I may see",
    description="A patient: their own, newest first. Clinicians and facility admins: their "
    "facility's, between `from` and `to` (default: the next 7 days), optionally one "
    "practitioner's.",
)
async def list_appointments(
    actor: AppointmentReader,
    session: SessionDep,
    clock: ClockDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    practitioner_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[AppointmentPublic]:
    now = clock.now()
    if actor.role == Role.patient:
        return await service.list_mine(session, actor, now=now, limit=limit)
    start = _aware(start, "from") or now
    end = _aware(end, "to") or start + timedelta(days=7)
    return await service.list_facility(
        session, actor, start=start, end=end, practitioner_id=practitioner_id, now=now, limit=limit
    )


@router.get(
    "/appointments/{appointment_id}",
    response_model=AppointmentPublic,
    summary="One appointment",
    responses={404: {"description": "Missing, or not the caller's to see"}},
)
async def read_appointment(
    appointment_id: uuid.UUID, actor: AppointmentReader, session: SessionDep, clock: ClockDep
) -> AppointmentPublic:
    return await service.read(session, actor, appointment_id, now=clock.now())


@router.post(
    "/appointments/{appointment_id}/cancel",
    response_model=AppointmentPublic,
    summary="Cancel my appointment",
    description="Allowed until the facility's cancellation notice before the start; the slot "
    "becomes free for others at once.",
    responses={404: {"description": "Not found"}, 409: {"description": "Too late, or not active"}},
)
async def cancel(
    appointment_id: uuid.UUID,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    bus: BusDep,
    settings: SettingsDep,
    body: CancelRequest | None = None,
) -> AppointmentPublic:
    reason = body.reason if body else ""
    return await service.cancel(
        session, bus, settings, actor, appointment_id, reason=reason, now=clock.now()
    )


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response_model=AppointmentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Move my appointment to another slot",
    description="One transaction: the new booking is made and the old one cancelled (the new "
    "one names it in `rescheduled_from_id`). If the new slot is taken nothing changes.",
    responses=_REFUSALS,
)
async def reschedule(
    appointment_id: uuid.UUID,
    body: RescheduleRequest,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    bus: BusDep,
    settings: SettingsDep,
) -> AppointmentPublic:
    return await service.reschedule(
        session,
        bus,
        settings,
        actor,
        appointment_id,
        slot_id=body.slot_id,
        mode=body.mode,
        now=clock.now(),
    )


@router.get(
    "/appointments/{appointment_id}/calendar.ics",
    summary="The appointment as an iCalendar file",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "RFC 5545 VCALENDAR"}},
)
async def calendar_file(
    appointment_id: uuid.UUID,
    actor: AppointmentReader,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    now = clock.now()
    appointment = await service.read(
        session, actor, appointment_id, now=now, purpose="appointment.export_ics"
    )
    body = calendar.appointment_ics(
        appointment, lang=actor.lang, base_url=settings.base_url, now=now
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="lich-hen-{appointment.id}.ics"',
            "Cache-Control": "no-store",
        },
    )
