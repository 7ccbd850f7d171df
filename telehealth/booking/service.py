"""Booking rules applied: book, cancel, reschedule, and read appointments within scope."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.booking import notices, repository, rules
from telehealth.booking.repository import SlotSearch
from telehealth.booking.schemas import AppointmentPublic, BookingRequest, SlotPublic
from telehealth.config import Settings
from telehealth.errors import BadRequest, Conflict, Forbidden, NotFound
from telehealth.ids import new_id
from telehealth.models import AppointmentStatus, Role, VisitMode
from telehealth.notifications import service as notifications

MAX_SLOT_RANGE = timedelta(days=92)


def to_public(row: Mapping[Any, Any], now: datetime) -> AppointmentPublic:
    deadline = rules.cancel_deadline(row["start_at"], row["cancel_min_notice_minutes"])
    return AppointmentPublic.model_validate(
        {
            **row,
            "cancel_deadline": deadline,
            "can_cancel": row["status"] == AppointmentStatus.booked.value and now <= deadline,
        }
    )


async def free_slots(session: AsyncSession, search: SlotSearch, now: datetime) -> list[SlotPublic]:
    """Slots nobody holds, inside each facility's booking window as seen from `now`."""
    if not (search.facility_id or search.practitioner_id or search.specialty_id):
        raise BadRequest("booking.errors.slot_filter_required", code="slot_filter_required")
    if search.end <= search.start or search.end - search.start > MAX_SLOT_RANGE:
        raise BadRequest("booking.errors.slot_range", code="slot_range", days=MAX_SLOT_RANGE.days)
    rows = await repository.free_slots(session, search)
    free = []
    for row in rows:
        earliest, latest = rules.booking_window(row, now)
        if earliest <= row["start_at"] <= latest:
            free.append(SlotPublic.model_validate(row))
    return free


async def _validated_slot(
    session: AsyncSession,
    actor: Actor,
    *,
    slot_id: uuid.UUID,
    mode: VisitMode,
    specialty_id: uuid.UUID | None,
    now: datetime,
    exclude_appointment_id: uuid.UUID | None = None,
) -> Mapping[Any, Any]:
    facts = await repository.slot_facts(
        session,
        slot_id=slot_id,
        user_id=actor.user_id,
        specialty_id=specialty_id,
        exclude_appointment_id=exclude_appointment_id,
    )
    rules.check_bookable(facts, mode, now)
    assert facts is not None
    if specialty_id is not None and not facts["specialty_offered"]:
        raise BadRequest("booking.errors.specialty_not_offered", code="specialty_not_offered")
    return facts


def _new_appointment(
    actor: Actor,
    facts: Mapping[Any, Any],
    *,
    mode: VisitMode,
    reason: str,
    specialty_id: uuid.UUID | None,
    now: datetime,
    rescheduled_from_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    if specialty_id is None and facts["specialty_count"] == 1:
        specialty_id = facts["any_specialty_id"]
    return {
        "id": new_id(),
        "slot_id": facts["id"],
        "patient_id": facts["patient_id"],
        "practitioner_id": facts["practitioner_id"],
        "facility_id": facts["facility_id"],
        "specialty_id": specialty_id,
        "mode": mode.value,
        "status": AppointmentStatus.booked.value,
        "start_at": facts["start_at"],
        "end_at": facts["end_at"],
        "reason": reason.strip(),
        "booked_by_user_id": actor.user_id,
        "created_at": now,
        "cancelled_at": None,
        "cancelled_by_user_id": None,
        "cancel_reason": None,
        "rescheduled_from_id": rescheduled_from_id,
        "reminder_sent_at": None,
    }


def _recipient(actor: Actor) -> notifications.Recipient:
    """The patient's own notices: the actor already knows their language and address."""
    return notifications.Recipient(actor.user_id, actor.locale, actor.email)


async def _insert(
    session: AsyncSession,
    bus: Any,
    settings: Settings,
    actor: Actor,
    facts: Mapping[Any, Any],
    values: dict[str, Any],
    *,
    event: str,
    now: datetime,
) -> None:
    """The guarded INSERT with the patient's notification of it (published after commit)."""
    notice = notices.compose(
        settings,
        event=event,
        to=_recipient(actor),
        appointment_id=values["id"],
        mode=values["mode"],
        start_at=facts["start_at"],
        practitioner_name=facts["practitioner_name"],
        facility_name=facts["facility_name"],
        now=now,
    )
    try:
        await repository.insert_appointment(session, values, notice)
    except IntegrityError as exc:
        if repository.is_slot_taken_error(exc):
            raise Conflict("booking.errors.slot_taken", code="slot_taken") from exc
        raise
    notifications.announce(session, bus, notice)


def _view(values: Mapping[Any, Any], facts: Mapping[Any, Any], actor: Actor) -> dict[str, Any]:
    """The new appointment as the API shows it, from what the booking already knows."""
    return {
        **values,
        "patient_name": actor.display_name,
        **{
            key: facts[key]
            for key in (
                "practitioner_name",
                "practitioner_title",
                "facility_name",
                "facility_address",
                "cancel_min_notice_minutes",
            )
        },
    }


async def book(
    session: AsyncSession,
    bus: Any,
    settings: Settings,
    actor: Actor,
    body: BookingRequest,
    *,
    now: datetime,
) -> AppointmentPublic:
    """One SELECT for the rules, then one guarded INSERT: the database settles every race."""
    facts = await _validated_slot(
        session,
        actor,
        slot_id=body.slot_id,
        mode=body.mode,
        specialty_id=body.specialty_id,
        now=now,
    )
    values = _new_appointment(
        actor,
        facts,
        mode=body.mode,
        reason=body.reason,
        specialty_id=body.specialty_id,
        now=now,
    )
    await _insert(session, bus, settings, actor, facts, values, event="confirmed", now=now)
    record(
        session,
        actor,
        "appointment.create",
        resource_type="Appointment",
        resource_id=values["id"],
        patient_id=facts["patient_id"],
        detail={"slot_id": str(facts["id"]), "mode": body.mode.value},
    )
    return to_public(_view(values, facts, actor), now)


async def _readable(
    session: AsyncSession, actor: Actor, appointment_id: uuid.UUID
) -> Mapping[Any, Any]:
    """The appointment if the caller may see it: its patient, or staff of its facility.

    Anyone else gets the same 404 as for a missing appointment: existence is private.
    """
    row = await repository.appointment(session, appointment_id)
    if row is None:
        raise NotFound("booking.errors.appointment_not_found")
    if actor.role == Role.patient:
        allowed = row["patient_user_id"] == actor.user_id
    elif actor.role in (Role.clinician, Role.facility_admin):
        allowed = actor.facility_id is not None and row["facility_id"] == actor.facility_id
    else:
        raise Forbidden("errors.role_required")
    if not allowed:
        raise NotFound("booking.errors.appointment_not_found")
    return row


async def read(
    session: AsyncSession,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    now: datetime,
    purpose: str = "appointment.read",
) -> AppointmentPublic:
    row = await _readable(session, actor, appointment_id)
    record(
        session,
        actor,
        purpose,
        resource_type="Appointment",
        resource_id=row["id"],
        patient_id=row["patient_id"],
    )
    return to_public(row, now)


async def list_mine(
    session: AsyncSession, actor: Actor, *, now: datetime, limit: int
) -> list[AppointmentPublic]:
    rows = await repository.appointments_of_patient_user(session, actor.user_id, limit=limit)
    patient_ids = {r["patient_id"] for r in rows}
    for patient_id in patient_ids:
        record(
            session,
            actor,
            "appointment.list",
            resource_type="Patient",
            resource_id=patient_id,
            patient_id=patient_id,
            detail={"count": len(rows)},
        )
    return [to_public(r, now) for r in rows]


async def list_facility(
    session: AsyncSession,
    actor: Actor,
    *,
    start: datetime,
    end: datetime,
    practitioner_id: uuid.UUID | None,
    now: datetime,
    limit: int,
) -> list[AppointmentPublic]:
    if actor.facility_id is None:
        raise Forbidden("booking.errors.no_facility")
    if end <= start or end - start > MAX_SLOT_RANGE:
        raise BadRequest("booking.errors.slot_range", code="slot_range", days=MAX_SLOT_RANGE.days)
    rows = await repository.appointments_of_facility(
        session,
        actor.facility_id,
        start=start,
        end=end,
        practitioner_id=practitioner_id,
        limit=limit,
    )
    # One audit event per patient whose booking was shown, so a patient's access log is whole.
    by_patient: dict[uuid.UUID, list[str]] = {}
    for r in rows:
        by_patient.setdefault(r["patient_id"], []).append(str(r["id"]))
    for patient_id, ids in by_patient.items():
        record(
            session,
            actor,
            "appointment.list",
            resource_type="Appointment",
            patient_id=patient_id,
            detail={"appointment_ids": ids},
        )
    return [to_public(r, now) for r in rows]


async def _own_live(
    session: AsyncSession, actor: Actor, appointment_id: uuid.UUID, now: datetime
) -> Mapping[Any, Any]:
    row = await repository.appointment(session, appointment_id)
    if row is None or row["patient_user_id"] != actor.user_id:
        raise NotFound("booking.errors.appointment_not_found")
    rules.check_cancellable(row, now)
    return row


async def cancel(
    session: AsyncSession,
    bus: Any,
    settings: Settings,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    reason: str,
    now: datetime,
) -> AppointmentPublic:
    row = await _own_live(session, actor, appointment_id, now)
    if not await repository.cancel(
        session, row["id"], now=now, by_user_id=actor.user_id, reason=reason.strip() or None
    ):
        raise Conflict("booking.errors.not_active", code="not_active")
    record(
        session,
        actor,
        "appointment.cancel",
        resource_type="Appointment",
        resource_id=row["id"],
        patient_id=row["patient_id"],
    )
    await notices.send(
        session,
        bus,
        settings,
        event="cancelled",
        to=_recipient(actor),
        appointment_id=row["id"],
        mode=row["mode"],
        start_at=row["start_at"],
        practitioner_name=row["practitioner_name"],
        facility_name=row["facility_name"],
        now=now,
    )
    updated = await repository.appointment(session, row["id"])
    assert updated is not None
    return to_public(updated, now)


async def reschedule(
    session: AsyncSession,
    bus: Any,
    settings: Settings,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    slot_id: uuid.UUID,
    mode: VisitMode | None,
    now: datetime,
) -> AppointmentPublic:
    """Cancel the old booking and take the new slot in one transaction.

    If the new slot is taken the INSERT fails, the request's transaction rolls back, and the
    old booking is untouched.
    """
    old = await _own_live(session, actor, appointment_id, now)
    if old["slot_id"] == slot_id:
        raise Conflict("booking.errors.same_slot", code="same_slot")
    new_mode = mode or VisitMode(old["mode"])
    facts = await _validated_slot(
        session,
        actor,
        slot_id=slot_id,
        mode=new_mode,
        specialty_id=None,
        now=now,
        exclude_appointment_id=old["id"],
    )
    # The old row is locked first: a concurrent cancel or reschedule of it waits, then fails.
    if not await repository.cancel(
        session, old["id"], now=now, by_user_id=actor.user_id, reason="rescheduled"
    ):
        raise Conflict("booking.errors.not_active", code="not_active")
    keep_specialty = (
        old["specialty_id"] if old["practitioner_id"] == facts["practitioner_id"] else None
    )
    values = _new_appointment(
        actor,
        facts,
        mode=new_mode,
        reason=old["reason"],
        specialty_id=keep_specialty,
        now=now,
        rescheduled_from_id=old["id"],
    )
    await _insert(session, bus, settings, actor, facts, values, event="rescheduled", now=now)
    record(
        session,
        actor,
        "appointment.reschedule",
        resource_type="Appointment",
        resource_id=values["id"],
        patient_id=old["patient_id"],
        detail={"from": str(old["id"]), "slot_id": str(slot_id)},
    )
    return to_public(_view(values, facts, actor), now)
