"""The live session page: device check, waiting room and the call (web/static/js/session.js)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from telehealth.accounts.deps import CurrentActor
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from telehealth.errors import AppError
from telehealth.i18n import catalog, translate
from telehealth.sessions import service
from telehealth.sessions.access import ROOM_KINDS
from telehealth.sessions.appointment_rooms import (
    is_appointment_room_open,
    join_window,
    upcoming_video_visits,
)
from web.templating import page_language, render

router = APIRouter()

# The client shows these catalog sections itself (status lines, buttons, failures).
CLIENT_PREFIXES = ("sessions.client.", "sessions.page.")


def client_strings(lang: str) -> dict[str, str]:
    merged = {**catalog("vi"), **catalog(lang)}  # type: ignore[arg-type]
    return {
        key.removeprefix("sessions."): value
        for key, value in merged.items()
        if key.startswith(CLIENT_PREFIXES)
    }


@router.get("/sessions")
async def my_sessions(
    request: Request, actor: CurrentActor, session: SessionDep, clock: ClockDep
) -> Response:
    """The caller's video visits that are open or still to come, each with a Join button."""
    now = clock.now()
    visits = await upcoming_video_visits(session, actor, now)
    rows = [
        {"appointment": a, "open": is_appointment_room_open(a, now), "opens_at": join_window(a)[0]}
        for a in visits
    ]
    return render(request, "sessions/list.html", {"rows": rows})


@router.get("/sessions/{kind}/{resource_id}")
async def session_page(
    request: Request,
    kind: str,
    resource_id: str,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    lang = page_language(request)
    room = f"{kind}:{resource_id}"
    try:
        grant = await service.authorise(session, actor, room, clock.now())
    except AppError as exc:
        return render(
            request,
            "sessions/unavailable.html",
            {"message": translate(exc.key, lang, **exc.params), "code": exc.code},
            status_code=exc.status_code,
        )
    heading = f"sessions.page.{kind}_heading" if kind in ROOM_KINDS else "sessions.page.heading"
    config = {
        "room": grant.room,
        "role": grant.role,
        "display_name": grant.display_name,
        "user_id": str(actor.user_id),
        "lang": lang,
        "token_url": "/api/v1/sessions/join-token",
        "chat_url": "/api/v1/sessions/chat",
        "autostart_preview": True,
        "strings": client_strings(lang),
    }
    return render(
        request,
        "sessions/room.html",
        {"grant": grant, "heading": heading, "session_config": config},
    )
