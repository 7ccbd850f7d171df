"""The booking rules, pure (no I/O): given the facts about a slot and the caller, may they book?

Each refusal names its reason with a translation key, so the patient reads why and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from telehealth.errors import Conflict, Forbidden, NotFound
from telehealth.models import SlotMode, VisitMode


def booking_window(facts: Mapping[Any, Any], now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest start a patient may book at this facility, from `now`."""
    earliest = now + timedelta(minutes=facts["booking_min_notice_minutes"])
    latest = now + timedelta(days=facts["booking_horizon_days"])
    return earliest, latest


def check_bookable(facts: Mapping[Any, Any] | None, mode: VisitMode, now: datetime) -> None:
    if facts is None or not (
        facts["facility_active"]
        and facts["practitioner_active"]
        and facts["accepts_online_booking"]
    ):
        raise NotFound("booking.errors.slot_not_found", code="slot_not_found")
    if facts["patient_id"] is None:
        raise NotFound("patients.errors.no_record", code="no_patient_record")
    start: datetime = facts["start_at"]
    if start <= now:
        raise Conflict("booking.errors.slot_past", code="slot_past")
    earliest, latest = booking_window(facts, now)
    if start < earliest:
        raise Conflict(
            "booking.errors.too_late", code="too_late", minutes=facts["booking_min_notice_minutes"]
        )
    if start > latest:
        raise Conflict("booking.errors.too_far", code="too_far", days=facts["booking_horizon_days"])
    if facts["blocked"]:
        raise Conflict("booking.errors.slot_unavailable", code="slot_unavailable")
    slot_mode = SlotMode(facts["mode"])
    if mode == VisitMode.video and slot_mode == SlotMode.in_person:
        raise Conflict("booking.errors.video_not_offered", code="video_not_offered")
    if mode == VisitMode.in_person and slot_mode == SlotMode.video:
        raise Conflict("booking.errors.in_person_not_offered", code="in_person_not_offered")
    if mode == VisitMode.video and not facts["telemedicine_consent"]:
        raise Forbidden("booking.errors.consent_required", code="consent_required")
    if facts["overlapping"]:
        raise Conflict("booking.errors.overlapping", code="overlapping")


def cancel_deadline(start_at: datetime, cancel_min_notice_minutes: int) -> datetime:
    return start_at - timedelta(minutes=cancel_min_notice_minutes)


def check_cancellable(row: Mapping[Any, Any], now: datetime) -> None:
    if row["status"] != "booked":
        raise Conflict("booking.errors.not_active", code="not_active")
    if now > cancel_deadline(row["start_at"], row["cancel_min_notice_minutes"]):
        raise Conflict(
            "booking.errors.cancel_too_late",
            code="cancel_too_late",
            minutes=row["cancel_min_notice_minutes"],
        )
