"""The notifications inbox page."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from telehealth.accounts.deps import CurrentActor
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from telehealth.notifications import service
from web.pages.auth import safe_next
from web.templating import render

router = APIRouter()


@router.get("/notifications")
async def inbox_page(request: Request, actor: CurrentActor, session: SessionDep) -> Response:
    items, unread = await service.inbox(session, actor.user_id, limit=100)
    return render(request, "notifications/inbox.html", {"items": items, "unread": unread})


@router.post("/notifications/read-all")
async def read_all(actor: CurrentActor, session: SessionDep, clock: ClockDep) -> Response:
    await service.mark_read(session, actor.user_id, clock.now())
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/read")
async def read_one(
    notification_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
    next: str | None = None,
) -> Response:
    await service.mark_read(session, actor.user_id, clock.now(), notification_id)
    return RedirectResponse(safe_next(next, "/notifications"), status_code=303)
