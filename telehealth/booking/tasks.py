"""Booking's periodic job: appointment reminders, claimed so several workers never send twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from telehealth.booking import notices
from telehealth.booking.repository import (
    APPOINTMENT,
    FACILITY,
    PATIENT,
    PRACTITIONER,
    USER,
    a,
    f,
    pr,
    pt,
    u,
)
from telehealth.jobs import JobContext
from telehealth.models import AppointmentStatus
from telehealth.notifications import service as notifications

log = logging.getLogger(__name__)

BATCH = 200


async def send_due_reminders(ctx: JobContext) -> int:
    """Remind patients of booked visits starting within `reminder_hours_before` hours.

    The guarded UPDATE (`reminder_sent_at IS NULL`) is the claim: on PostgreSQL a second
    worker's UPDATE waits for the first's row locks and then no longer matches; on SQLite
    BEGIN IMMEDIATE serialises them. The notifications are written in the same transaction,
    so a claim and its reminder commit or vanish together.
    """
    now = ctx.clock.now()
    horizon = now + timedelta(hours=ctx.settings.reminder_hours_before)
    due = (
        select(a.id)
        .where(
            a.status == AppointmentStatus.booked.value,
            a.reminder_sent_at.is_(None),
            a.start_at > now,
            a.start_at <= horizon,
        )
        .order_by(a.start_at)
        .limit(BATCH)
    )
    sent = 0
    async for session in ctx.db.transaction():
        claimed = (
            (
                await session.execute(
                    update(APPOINTMENT)
                    .where(a.id.in_(due.scalar_subquery()), a.reminder_sent_at.is_(None))
                    .values(reminder_sent_at=now)
                    .returning(a.id)
                )
            )
            .scalars()
            .all()
        )
        # Returning from inside this loop would leave the transaction to the garbage
        # collector: an empty claim simply has no rows to notify.
        rows = (
            (
                await session.execute(
                    select(
                        a.id,
                        a.mode,
                        a.start_at,
                        pt.user_id,
                        u.full_name.label("practitioner_name"),
                        f.name.label("facility_name"),
                    )
                    .select_from(APPOINTMENT)
                    .join(PATIENT, pt.id == a.patient_id)
                    .join(PRACTITIONER, pr.id == a.practitioner_id)
                    .join(USER, u.id == pr.user_id)
                    .join(FACILITY, f.id == a.facility_id)
                    .where(a.id.in_(claimed))
                )
            )
            .mappings()
            .all()
            if claimed
            else []
        )
        for row in rows:
            if row["user_id"] is None:
                continue  # a patient registered by a station without an account of their own
            await notices.send(
                session,
                ctx.bus,
                ctx.settings,
                event="reminder",
                to=await notifications.recipient(session, row["user_id"]),
                appointment_id=row["id"],
                mode=row["mode"],
                start_at=row["start_at"],
                practitioner_name=row["practitioner_name"],
                facility_name=row["facility_name"],
                now=now,
            )
            sent += 1
    if sent:
        log.info("sent %d appointment reminders", sent)
    return sent
