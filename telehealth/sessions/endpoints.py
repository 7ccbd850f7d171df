"""Live sessions API: a join token for a room, and the room's chat history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from signaling.affinity import with_room_key
from signaling.config import SignalingSettings
from telehealth.accounts.deps import CurrentActor
from telehealth.db import SessionDep
from telehealth.deps import ClockDep, SettingsDep
from telehealth.sessions import service
from telehealth.sessions.schemas import (
    ChatHistory,
    ChatLinePublic,
    JoinTokenRequest,
    JoinTokenResponse,
)

router = APIRouter(prefix="/sessions", tags=["live sessions"])


def _signaling_settings(request: Request) -> SignalingSettings:
    return request.app.state.signaling_settings  # type: ignore[no-any-return]


SignalingSettingsDep = Annotated[SignalingSettings, Depends(_signaling_settings)]

_ROOM_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such room, or not the caller's (existence is private)"},
    409: {"description": "`room_not_open_yet`: the room opens 15 minutes before the start"},
    410: {"description": "`room_closed`: the visit is over, cancelled or ended by the host"},
}


@router.post(
    "/join-token",
    response_model=JoinTokenResponse,
    summary="Get a short-lived token to join a live session",
    description=(
        "For the appointment's practitioner (role `host`) or patient (role `guest`, who waits "
        "in the waiting room until admitted), or a consultation's participants. The token "
        "is valid for 5 minutes and names one user, one room and one role. Open a WebSocket "
        "to `ws_url` as given (its opaque `room_key` parameter lets the proxy place both "
        "peers of a room on one signaling worker) and send "
        "`{\"type\":\"hello\",\"token\":…}` (signaling protocol v1; to "
        "resume after a dropped socket, get a new token and add `\"resume\": <peer_id>`). "
        "Every issued token is recorded in the audit log."
    ),
    responses=_ROOM_ERRORS,
)
async def issue_join_token(
    body: JoinTokenRequest,
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    signaling: SignalingSettingsDep,
) -> JoinTokenResponse:
    ticket = await service.issue_join_ticket(session, actor, signaling, body.room, clock.now())
    return JoinTokenResponse(
        token=ticket.token,
        expires_at=ticket.expires_at,
        ws_url=with_room_key(settings.signaling_ws_url, ticket.room_key),
        ice_servers=ticket.ice_servers,
        role=ticket.grant.role,
        room=ticket.grant.room,
        display_name=ticket.grant.display_name,
    )


@router.get(
    "/chat",
    response_model=ChatHistory,
    summary="Chat history of a live session",
    description="The last 500 chat lines of a room the caller may join, oldest first.",
    responses=_ROOM_ERRORS,
)
async def read_chat(
    actor: CurrentActor,
    session: SessionDep,
    clock: ClockDep,
    room: Annotated[str, Query(min_length=3, max_length=80, examples=["appointment:0193…"])],
) -> ChatHistory:
    grant, lines = await service.chat_history(session, actor, room, clock.now())
    return ChatHistory(room=grant.room, lines=[ChatLinePublic.model_validate(x) for x in lines])
