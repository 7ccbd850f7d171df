"""Booking API: free slots (public), and appointments booked, read, cancelled, rescheduled."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from telehealth.accounts.deps import OptionalActor
from telehealth.booking import calendar, service
from telehealth.booking.context import PatientContext, ReaderContext
from telehealth.booking.repository import SlotSearch
from telehealth.booking.schemas import (
    AppointmentPublic,
    BookingRequest,
    CancelRequest,
    RescheduleRequest,
    SlotPublic,
)
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from telehealth.errors import BadRequest
from telehealth.models import Role, VisitMode

router = APIRouter(tags=["booking"])

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
async def book(body: BookingRequest, ctx: PatientContext) -> AppointmentPublic:
    return await service.book(ctx.session, ctx.bus, ctx.settings, ctx.actor, body, now=ctx.now)


@router.get(
    "/appointments",
    response_model=list[AppointmentPublic],
    summary="Appointments I may see",
    description="A patient: their own, newest first. Clinicians and facility admins: their "
    "facility's, between `from` and `to` (default: the next 7 days), optionally one "
    "practitioner's.",
)
async def list_appointments(
    ctx: ReaderContext,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    practitioner_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[AppointmentPublic]:
    now, actor = ctx.now, ctx.actor
    if actor.role == Role.patient:
        return await service.list_mine(ctx.session, actor, now=now, limit=limit)
    start = _aware(start, "from") or now
    end = _aware(end, "to") or start + timedelta(days=7)
    return await service.list_facility(
        ctx.session, actor, start=start, end=end, practitioner_id=practitioner_id, now=now,
        limit=limit,
    )


@router.get(
    "/appointments/{appointment_id}",
    response_model=AppointmentPublic,
    summary="One appointment",
    responses={404: {"description": "Missing, or not the caller's to see"}},
)
async def read_appointment(appointment_id: uuid.UUID, ctx: ReaderContext) -> AppointmentPublic:
    return await service.read(ctx.session, ctx.actor, appointment_id, now=ctx.now)


@router.post(
    "/appointments/{appointment_id}/cancel",
    response_model=AppointmentPublic,
    summary="Cancel my appointment",
    description="Allowed until the facility's cancellation notice before the start; the slot "
    "becomes free for others at once.",
    responses={404: {"description": "Not found"}, 409: {"description": "Too late, or not active"}},
)
async def cancel(
    appointment_id: uuid.UUID, ctx: PatientContext, body: CancelRequest | None = None
) -> AppointmentPublic:
    reason = body.reason if body else ""
    return await service.cancel(
        ctx.session, ctx.bus, ctx.settings, ctx.actor, appointment_id, reason=reason, now=ctx.now
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
    appointment_id: uuid.UUID, body: RescheduleRequest, ctx: PatientContext
) -> AppointmentPublic:
    return await service.reschedule(
        ctx.session,
        ctx.bus,
        ctx.settings,
        ctx.actor,
        appointment_id,
        slot_id=body.slot_id,
        mode=body.mode,
        now=ctx.now,
    )


@router.get(
    "/appointments/{appointment_id}/calendar.ics",
    summary="The appointment as an iCalendar file",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "RFC 5545 VCALENDAR"}},
)
async def calendar_file(appointment_id: uuid.UUID, ctx: ReaderContext) -> Response:
    appointment = await service.read(
        ctx.session, ctx.actor, appointment_id, now=ctx.now, purpose="appointment.export_ics"
    )
    body = calendar.appointment_ics(
        appointment, lang=ctx.actor.lang, base_url=ctx.settings.base_url, now=ctx.now
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="lich-hen-{appointment.id}.ics"',
            "Cache-Control": "no-store",
        },
    )
