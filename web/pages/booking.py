"""Booking pages: search, a doctor's free slots, confirm, and the patient's appointments."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from telehealth.accounts.context import Actor
from telehealth.accounts.deps import CurrentActor, OptionalActor, PatientActor
from telehealth.booking import repository as booking_repository
from telehealth.booking import service
from telehealth.booking.repository import SlotSearch
from telehealth.booking.schemas import AppointmentPublic, BookingRequest, SlotPublic
from telehealth.clock import to_local
from telehealth.db import SessionDep
from telehealth.deps import BusDep, ClockDep, SettingsDep
from telehealth.directory import repository as directory_repository
from telehealth.directory import service as directory
from telehealth.errors import AppError, Forbidden, NotFound
from telehealth.i18n import translate
from telehealth.models import AppointmentStatus, Role, VisitMode
from web.templating import page_language, render

router = APIRouter()

_FLASHES = {
    "booked": "booking.confirm.booked",
    "cancelled": "booking.mine.cancelled",
    "rescheduled": "booking.mine.rescheduled",
}


def _flash(request: Request, done: str | None) -> str | None:
    lang = page_language(request)
    if request.query_params.get("welcome"):
        return translate("patients.register.done", lang)
    return translate(_FLASHES[done], lang) if done in _FLASHES else None


def _by_day(slots: list[SlotPublic]) -> OrderedDict[date, list[SlotPublic]]:
    days: OrderedDict[date, list[SlotPublic]] = OrderedDict()
    for slot in slots:
        days.setdefault(to_local(slot.start_at).date(), []).append(slot)
    return days


def _mode(value: str | None) -> VisitMode | None:
    return VisitMode(value) if value in ("in_person", "video") else None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@router.get("/book")
async def search(
    request: Request,
    session: SessionDep,
    actor: OptionalActor,
    q: str | None = None,
    facility_id: str | None = None,
    specialty_id: str | None = None,
    mode: str | None = None,
) -> Response:
    q = (q or "").strip()[:100] or None
    facility, specialty = _uuid(facility_id), _uuid(specialty_id)
    found = await directory.search_practitioners(
        session, facility_id=facility, specialty_id=specialty, q=q, limit=100, offset=0
    )
    facilities = await directory.search_facilities(
        session, q=None, province_code=None, level=None, specialty_id=None, limit=200, offset=0
    )
    return render(
        request,
        "booking/search.html",
        {
            "q": q or "",
            "facility_id": facility,
            "specialty_id": specialty,
            "mode": _mode(mode),
            "practitioners": found,
            "facilities": facilities,
            "specialties": await directory.list_specialties(session),
            "flash": _flash(request, None),
        },
    )


@router.get("/book/practitioners/{practitioner_id}")
async def practitioner_slots(
    practitioner_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: OptionalActor,
    mode: str | None = None,
) -> Response:
    practitioner = await directory.practitioner_detail(session, practitioner_id)
    found = await directory_repository.facility(session, practitioner.facility.id)
    assert found is not None  # a bookable practitioner's facility is active
    facility = found[0]
    now = clock.now()
    slots = await service.free_slots(
        session,
        SlotSearch(
            start=now,
            end=now + timedelta(days=facility.booking_horizon_days + 1),
            practitioner_id=practitioner_id,
            mode=_mode(mode),
            limit=1000,
        ),
        now,
    )
    return render(
        request,
        "booking/practitioner.html",
        {
            "practitioner": practitioner,
            "facility": facility,
            "days": _by_day(slots),
            "mode": _mode(mode),
        },
    )


async def _confirm_context(session: Any, actor: Actor, slot_id: uuid.UUID) -> dict[str, Any]:
    facts = await booking_repository.slot_facts(
        session, slot_id=slot_id, user_id=actor.user_id, specialty_id=None
    )
    if facts is None:
        raise NotFound("booking.errors.slot_not_found", code="slot_not_found")
    return {"slot": facts}


@router.get("/book/confirm")
async def confirm_page(
    request: Request,
    session: SessionDep,
    actor: OptionalActor,
    slot_id: uuid.UUID,
    mode: str | None = None,
) -> Response:
    if actor is None:
        # Browsing needs no account; booking does. Come back here after logging in.
        back = f"/book/confirm?{urlencode({'slot_id': str(slot_id), 'mode': mode or ''})}"
        return RedirectResponse(f"/login?next={quote(back, safe='')}", status_code=303)
    if actor.role != Role.patient:
        raise Forbidden("errors.role_required")
    context = await _confirm_context(session, actor, slot_id)
    chosen = _mode(mode) or (
        VisitMode.in_person if context["slot"]["mode"] != "video" else VisitMode.video
    )
    return render(request, "booking/confirm.html", {**context, "mode": chosen, "reason": ""})


@router.post("/book/confirm")
async def confirm_submit(
    request: Request,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    bus: BusDep,
    settings: SettingsDep,
    slot_id: Annotated[uuid.UUID, Form()],
    mode: Annotated[VisitMode, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    body = BookingRequest(slot_id=slot_id, mode=mode, reason=reason)
    try:
        # A savepoint: a lost race fails the INSERT, and the page must still read afterwards.
        async with session.begin_nested():
            booked = await service.book(session, bus, settings, actor, body, now=clock.now())
    except AppError as exc:
        context = await _confirm_context(session, actor, slot_id)
        return render(
            request,
            "booking/confirm.html",
            {
                **context,
                "mode": mode,
                "reason": reason,
                "error": translate(exc.key, page_language(request), **exc.params),
                "error_code": exc.code,
            },
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/appointments/{booked.id}?done=booked", status_code=303)


@router.get("/appointments")
async def my_appointments(
    request: Request,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    done: str | None = None,
) -> Response:
    now = clock.now()
    rows = await service.list_mine(session, actor, now=now, limit=200)
    upcoming = sorted(
        (a for a in rows if a.status == AppointmentStatus.booked and a.end_at > now),
        key=lambda a: a.start_at,
    )
    past = [a for a in rows if a not in upcoming]
    return render(
        request,
        "booking/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "flash": _flash(request, done),
        },
    )


def _detail(
    request: Request,
    appointment: AppointmentPublic,
    actor: Actor,
    *,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "booking/detail.html",
        {
            "a": appointment,
            "is_owner": actor.role == Role.patient,
            "flash": flash,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/appointments/{appointment_id}")
async def appointment_page(
    appointment_id: uuid.UUID,
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
    done: str | None = None,
) -> Response:
    appointment = await service.read(session, actor, appointment_id, now=clock.now())
    return _detail(request, appointment, actor, flash=_flash(request, done))


@router.post("/appointments/{appointment_id}/cancel")
async def cancel_submit(
    appointment_id: uuid.UUID,
    request: Request,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    bus: BusDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        await service.cancel(
            session, bus, settings, actor, appointment_id, reason=reason, now=clock.now()
        )
    except AppError as exc:
        if exc.status_code == 404:
            raise
        appointment = await service.read(session, actor, appointment_id, now=clock.now())
        return _detail(
            request,
            appointment,
            actor,
            status_code=exc.status_code,
            error=translate(exc.key, page_language(request), **exc.params),
        )
    return RedirectResponse(f"/appointments/{appointment_id}?done=cancelled", status_code=303)


async def _reschedule_page(
    request: Request,
    session: Any,
    actor: Actor,
    appointment_id: uuid.UUID,
    now: Any,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    appointment = await service.read(session, actor, appointment_id, now=now)
    found = await directory_repository.facility(session, appointment.facility_id)
    horizon = found[0].booking_horizon_days if found else 28
    slots = await service.free_slots(
        session,
        SlotSearch(
            start=now,
            end=now + timedelta(days=horizon + 1),
            practitioner_id=appointment.practitioner_id,
            mode=appointment.mode,
            limit=1000,
        ),
        now,
    )
    return render(
        request,
        "booking/reschedule.html",
        {
            "a": appointment,
            "days": _by_day(slots),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/appointments/{appointment_id}/reschedule")
async def reschedule_page(
    appointment_id: uuid.UUID,
    request: Request,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    return await _reschedule_page(request, session, actor, appointment_id, clock.now())


@router.post("/appointments/{appointment_id}/reschedule")
async def reschedule_submit(
    appointment_id: uuid.UUID,
    request: Request,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    bus: BusDep,
    settings: SettingsDep,
    slot_id: Annotated[uuid.UUID, Form()],
) -> Response:
    try:
        # On failure the savepoint undoes the old booking's cancellation too.
        async with session.begin_nested():
            moved = await service.reschedule(
                session,
                bus,
                settings,
                actor,
                appointment_id,
                slot_id=slot_id,
                mode=None,
                now=clock.now(),
            )
    except AppError as exc:
        if exc.status_code == 404 and exc.code != "slot_not_found":
            raise
        return await _reschedule_page(
            request,
            session,
            actor,
            appointment_id,
            clock.now(),
            status_code=exc.status_code,
            error=translate(exc.key, page_language(request), **exc.params),
        )
    return RedirectResponse(f"/appointments/{moved.id}?done=rescheduled", status_code=303)
