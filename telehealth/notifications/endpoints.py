"""Notifications API: the inbox, marking read, and the live event stream (SSE)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from telehealth.accounts.deps import CurrentActor
from telehealth.db import SessionDep
from telehealth.deps import BusDep, ClockDep, DatabaseDep
from telehealth.notifications import live, service
from telehealth.notifications.schemas import Inbox, MarkedRead, NotificationPublic

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=Inbox, summary="My notifications, newest first")
async def inbox(
    actor: CurrentActor,
    session: SessionDep,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Inbox:
    items, unread = await service.inbox(
        session, actor.user_id, unread_only=unread_only, limit=limit, offset=offset
    )
    return Inbox(items=[NotificationPublic.model_validate(n) for n in items], unread_count=unread)


@router.post(
    "/notifications/{notification_id}/read",
    response_model=MarkedRead,
    summary="Mark one notification read",
    responses={404: {"description": "Not one of mine"}},
)
async def mark_read(
    notification_id: uuid.UUID, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> MarkedRead:
    marked = await service.mark_read(session, actor.user_id, clock.now(), notification_id)
    return MarkedRead(marked=marked)


@router.post("/notifications/read-all", response_model=MarkedRead, summary="Mark all read")
async def mark_all_read(actor: CurrentActor, session: SessionDep, clock: ClockDep) -> MarkedRead:
    return MarkedRead(marked=await service.mark_read(session, actor.user_id, clock.now()))


@router.get(
    "/events",
    summary="Live events (Server-Sent Events)",
    description="A `text/event-stream` of the caller's notifications (`event: notification`) "
    "and, for clinicians and facility admins, their facility's consultation queue updates. "
    "Authenticated by the session cookie (EventSource) or a bearer token. The stream ends "
    "when the login is revoked or expires; clients reconnect after `retry` ms.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(
    actor: CurrentActor, db: DatabaseDep, bus: BusDep, clock: ClockDep
) -> StreamingResponse:
    return StreamingResponse(
        live.event_stream(db, bus, clock, actor),
        media_type="text/event-stream",
        # No proxy buffering (nginx honours X-Accel-Buffering) and no caching of a live stream.
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
