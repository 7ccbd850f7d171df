"""Telling people about changes: inbox notifications (pushed to `user:<id>`) and queue
messages on `facility:<id>:consultations`, both only after the transaction commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.db import after_commit
from telehealth.models import ConsultationRequest
from telehealth.notifications.service import notify


def queue_channel(facility_id: uuid.UUID) -> str:
    return f"facility:{facility_id}:consultations"


def publish_change(
    session: AsyncSession,
    bus: Any,
    request: ConsultationRequest,
    action: str,
    *,
    extra_facilities: Iterable[uuid.UUID] = (),
) -> None:
    """Queue a change message for both facilities' lists (and a facility it left, on forward).

    The message carries no patient data: the SSE stream goes to every staff member of a
    facility, so the page re-fetches what the viewer may see through the authorised API.
    """
    message = {
        "type": "consultation.changed",
        "consultation_id": str(request.id),
        "status": str(request.status),
        "urgency": str(request.urgency),
        "action": action,
    }
    facilities = dict.fromkeys(
        [request.consulting_facility_id, request.requesting_facility_id, *extra_facilities]
    )

    async def _publish() -> None:
        for facility_id in facilities:
            await bus.publish(queue_channel(facility_id), message)

    after_commit(session, _publish)


async def notify_users(
    session: AsyncSession,
    bus: Any,
    user_ids: Iterable[uuid.UUID],
    *,
    request: ConsultationRequest,
    kind: str,
    now: datetime,
    skip: uuid.UUID | None = None,
    **params: Any,
) -> None:
    """One inbox notification per user (the actor themself is skipped), in each one's language."""
    for user_id in dict.fromkeys(user_ids):
        if user_id == skip:
            continue
        await notify(
            session,
            bus,
            user_id=user_id,
            kind=f"consultation.{kind}",
            title_key=f"consultations.notify.{kind}.title",
            body_key=f"consultations.notify.{kind}.body",
            link=f"/consultations/{request.id}",
            now=now,
            **params,
        )
