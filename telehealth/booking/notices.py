"""The notifications booking sends: confirmation, cancellation, rescheduling and reminders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.clock import to_local
from telehealth.config import Settings
from telehealth.notifications import service as notifications


def when(start_at: datetime) -> str:
    return to_local(start_at).strftime("%H:%M %d/%m/%Y")


def compose(
    settings: Settings,
    *,
    event: str,
    to: notifications.Recipient,
    appointment_id: uuid.UUID,
    mode: str,
    start_at: datetime,
    practitioner_name: str,
    facility_name: str,
    now: datetime,
) -> dict[str, Any]:
    """The row `send` would write, for a booking to write with the appointment itself."""
    return notifications.compose(
        to,
        kind=f"booking.{event}",
        title_key=f"booking.notices.{event}_title",
        body_key=f"booking.notices.{event}_body_{mode}",
        link=f"/appointments/{appointment_id}",
        now=now,
        email=True,
        smtp_configured=bool(settings.smtp_host),
        when=when(start_at),
        practitioner=practitioner_name,
        facility=facility_name,
    )


async def send(
    session: AsyncSession,
    bus: Any,
    settings: Settings,
    *,
    event: str,
    to: notifications.Recipient,
    appointment_id: uuid.UUID,
    mode: str,
    start_at: datetime,
    practitioner_name: str,
    facility_name: str,
    now: datetime,
) -> None:
    """`event` is confirmed | cancelled | rescheduled | reminder; the text follows the mode.

    Written now and published to the user after commit (`notifications.notify`)."""
    row = compose(
        settings,
        event=event,
        to=to,
        appointment_id=appointment_id,
        mode=mode,
        start_at=start_at,
        practitioner_name=practitioner_name,
        facility_name=facility_name,
        now=now,
    )
    await notifications.write(session, bus, row)
