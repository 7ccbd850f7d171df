"""An appointment as an iCalendar file (RFC 5545), for the patient's own calendar app."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from telehealth.booking.schemas import AppointmentPublic
from telehealth.clock import VN_TZ
from telehealth.i18n import translate

PRODID = "-//VTelehealth//Booking//VI"


def appointment_uid(appointment: AppointmentPublic, host: str) -> str:
    # Stable: re-downloading the file updates the same calendar entry instead of adding one.
    return f"appointment-{appointment.id}@{host}"


def appointment_ics(
    appointment: AppointmentPublic, *, lang: str, base_url: str, now: datetime
) -> bytes:
    host = base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "vtelehealth"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")

    event = Event()
    event.add("uid", appointment_uid(appointment, host))
    event.add("dtstamp", now)
    event.add("created", appointment.created_at)
    # Local wall-clock time with TZID=Asia/Ho_Chi_Minh (the VTIMEZONE is added below), so the
    # entry reads as the facility's time whatever zone the phone is set to.
    event.add("dtstart", appointment.start_at.astimezone(VN_TZ))
    event.add("dtend", appointment.end_at.astimezone(VN_TZ))
    mode = translate(f"booking.mode.{appointment.mode.value}", lang)
    doctor = " ".join(
        p for p in (appointment.practitioner_title, appointment.practitioner_name) if p
    )
    event.add("summary", translate("booking.ics.summary", lang, mode=mode, practitioner=doctor))
    if appointment.mode.value == "video":
        event.add("location", translate("booking.ics.video_location", lang))
    else:
        event.add(
            "location",
            ", ".join(p for p in (appointment.facility_name, appointment.facility_address) if p),
        )
    link = f"{base_url.rstrip('/')}/appointments/{appointment.id}"
    event.add(
        "description",
        translate("booking.ics.description", lang, facility=appointment.facility_name, link=link),
    )
    event.add("url", link)
    cancelled = appointment.status.value == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # A cancelled file must supersede the confirmed one the patient imported earlier.
    event.add("sequence", 1 if cancelled else 0)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
