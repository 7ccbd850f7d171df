"""Internal API for a standalone signaling service (signaling.platform.HttpPlatform).

Paths and bodies are the ones HttpPlatform sends. The caller is not a user but the
signaling service, proving itself with the bearer token both sides derive from the
shared secret key (`signaling.tokens.derive_service_token`).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from signaling.platform import INTERNAL_PREFIX, QualityRecord
from signaling.tokens import derive_service_token
from telehealth.db import SessionDep
from telehealth.deps import ClockDep, SettingsDep
from telehealth.errors import NotFound, Unauthorized
from telehealth.sessions import service
from telehealth.sessions.access import ROOM_KINDS
from telehealth.sessions.schemas import (
    InternalChat,
    InternalQuality,
    InternalQualityBatch,
    InternalRoomEnded,
    RoomStatus,
)

API_PREFIX = "/api/v1"
assert INTERNAL_PREFIX.startswith(API_PREFIX)


async def require_signaling_service(request: Request, settings: SettingsDep) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    expected = derive_service_token(settings.secret_key)
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented, expected):
        raise Unauthorized("errors.bad_token", headers={"WWW-Authenticate": "Bearer"})


SignalingService = Annotated[None, Depends(require_signaling_service)]

router = APIRouter(prefix=INTERNAL_PREFIX.removeprefix(API_PREFIX), tags=["internal"])


@router.post("/chat", status_code=status.HTTP_204_NO_CONTENT, summary="Store a chat line")
async def store_chat(body: InternalChat, _: SignalingService, session: SessionDep) -> Response:
    service.add_chat_line(
        session, body.room, str(body.user_id), body.peer_id, body.display_name, body.text, body.ts
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/quality", status_code=status.HTTP_202_ACCEPTED,
    summary="Hand over one sample/event (signaling before batches; as /quality/batch)",
)
async def store_quality(body: InternalQuality, _: SignalingService, request: Request) -> Response:
    return await store_quality_batch(InternalQualityBatch(records=[body]), _, request)


@router.post(
    "/quality/batch", status_code=status.HTTP_202_ACCEPTED,
    summary="Hand over a batch of samples/events (checked, buffered, written in batches)",
)
async def store_quality_batch(
    body: InternalQualityBatch, _: SignalingService, request: Request
) -> Response:
    # The same path as embedded signaling's: each record checked on its own, the fair
    # buffer, the batch writer and its counters (GET /api/v1/quality/ingest-status).
    platform = request.app.state.live_sessions.platform
    await platform.store_quality_many(
        QualityRecord(r.room, str(r.user_id), r.peer_id, r.kind, r.payload, r.ts)
        for r in body.records
    )
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post("/room-ended", status_code=status.HTTP_204_NO_CONTENT, summary="A host ended a room")
async def room_ended(body: InternalRoomEnded, _: SignalingService, request: Request) -> Response:
    # What embedded signaling does at the end: mark the session ended, write the room's
    # buffered samples, then compute its quality rollup (the catch-up job retries it).
    platform = request.app.state.live_sessions.platform
    await platform.room_ended(body.room, str(body.user_id), body.ts)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/rooms/{room}/closed", response_model=RoomStatus, summary="Is a room closed?")
async def room_closed(
    room: str, _: SignalingService, session: SessionDep, clock: ClockDep
) -> RoomStatus:
    closed = await service.room_is_closed(session, room, clock.now())
    if closed and not _known_kind(room):
        raise NotFound("sessions.errors.room_not_found")
    return RoomStatus(room=room, closed=closed)


def _known_kind(room: str) -> bool:
    return room.partition(":")[0] in ROOM_KINDS
