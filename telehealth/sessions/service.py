"""Rules of live sessions: join tickets, chat history, and what signaling asks us to store."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from signaling.affinity import derive_affinity_secret, room_key
from signaling.config import SignalingSettings
from signaling.tokens import derive_signaling_secret, mint_join_token
from signaling.turn import build_ice_servers
from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.clock import FrozenClock
from telehealth.errors import NotFound
from telehealth.models import SessionChatMessage, SessionParticipation, SessionQualityRecord
from telehealth.sessions import repository
from telehealth.sessions.access import (
    ROOM_CLOSED_CHECKS,
    RoomGrant,
    RoomName,
    parse_room,
    resolve_room,
)
from telehealth.sessions.errors import RoomClosed

JOIN_TOKEN_TTL_SECONDS = 300
CHAT_HISTORY_LIMIT = 500
RESOURCE_TYPES = {"appointment": "Appointment", "consultation": "Consultation"}


@dataclass(frozen=True)
class JoinTicket:
    grant: RoomGrant
    token: str
    expires_at: datetime
    ice_servers: list[dict[str, Any]]
    # Opaque: the proxy routes both peers of the room to one signaling worker by it.
    room_key: str


async def authorise(session: AsyncSession, actor: Actor, room: str, now: datetime) -> RoomGrant:
    """The caller's grant for an open room: 404 if not theirs, 409/410 if not open now."""
    grant = await resolve_room(session, actor, room, now)
    live = await repository.get_live_session(session, grant.room)
    if live is not None and live.ended_at is not None:
        raise RoomClosed("sessions.errors.ended")
    return grant


def _audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    name: RoomName,
    detail: dict[str, Any],
    at: datetime,
) -> None:
    # Stamped with the caller's `now` (the domain clock), like the participation it goes with.
    record(
        session,
        actor,
        action,
        resource_type=RESOURCE_TYPES.get(name.kind, name.kind),
        resource_id=name.resource_id,
        purpose="telemedicine",
        detail={"room": str(name), **detail},
        clock=FrozenClock(at),
    )


async def issue_join_ticket(
    session: AsyncSession,
    actor: Actor,
    signaling: SignalingSettings,
    room: str,
    now: datetime,
) -> JoinTicket:
    """A short-lived join token for `room`, recorded as a participation and audited."""
    grant = await authorise(session, actor, room, now)
    name = parse_room(grant.room)
    await repository.ensure_live_session(session, grant.room, name.kind, name.resource_id, now)
    participation = await repository.get_participation(session, grant.room, actor.user_id)
    if participation is None:
        session.add(
            SessionParticipation(
                room=grant.room, user_id=actor.user_id, role=grant.role,
                display_name=grant.display_name, first_joined_at=now, last_joined_at=now,
            )
        )
    else:
        participation.last_joined_at = now
        participation.join_count += 1
        participation.role = grant.role
    _audit(session, actor, "session.join", name, {"role": grant.role}, now)
    # The token is checked by signaling against the wall clock (it may run in another
    # process), so its expiry comes from the wall clock too, not from the domain clock.
    wall = time.time()
    token = mint_join_token(
        derive_signaling_secret(signaling.secret_key),
        user_id=str(actor.user_id),
        room=grant.room,
        role=grant.role,
        display_name=grant.display_name,
        ttl_seconds=JOIN_TOKEN_TTL_SECONDS,
        now=wall,
    )
    ice = build_ice_servers(
        stun_urls=signaling.stun_urls,
        turn_urls=signaling.turn_urls,
        turn_secret=signaling.turn_secret,
        turn_ttl_seconds=signaling.turn_ttl_seconds,
        user_id=str(actor.user_id),
        now=wall,
    )
    expires_at = datetime.fromtimestamp(int(wall) + JOIN_TOKEN_TTL_SECONDS, UTC)
    key = room_key(derive_affinity_secret(signaling.secret_key), grant.room)
    return JoinTicket(
        grant=grant, token=token, expires_at=expires_at, ice_servers=ice, room_key=key
    )


async def chat_history(
    session: AsyncSession, actor: Actor, room: str, now: datetime
) -> tuple[RoomGrant, Sequence[SessionChatMessage]]:
    grant = await resolve_room(session, actor, room, now)
    lines = await repository.list_chat(session, grant.room, CHAT_HISTORY_LIMIT)
    _audit(session, actor, "session.chat.read", parse_room(grant.room), {"lines": len(lines)}, now)
    return grant, lines


# What signaling stores through the platform (DatabasePlatform or the internal API) -------


def add_chat_line(
    session: AsyncSession,
    room: str,
    user_id: str,
    peer_id: str,
    display_name: str,
    text: str,
    ts: datetime,
) -> SessionChatMessage:
    line = SessionChatMessage(
        room=room, user_id=uuid.UUID(user_id), peer_id=peer_id,
        display_name=display_name, text=text, sent_at=ts,
    )
    session.add(line)
    return line


@dataclass(frozen=True)
class QualityItem:
    room: str
    user_id: str
    peer_id: str
    kind: str
    payload: dict[str, Any]
    ts: datetime


def add_quality(session: AsyncSession, items: Iterable[QualityItem]) -> int:
    count = 0
    for item in items:
        name = item.payload.get("name") if item.kind == "event" else None
        session.add(
            SessionQualityRecord(
                room=item.room, user_id=uuid.UUID(item.user_id), peer_id=item.peer_id,
                kind=item.kind, name=str(name)[:40] if name is not None else None,
                payload=item.payload, recorded_at=item.ts,
            )
        )
        count += 1
    return count


async def mark_room_ended(session: AsyncSession, room: str, user_id: str, ts: datetime) -> None:
    name = parse_room(room)
    live = await repository.ensure_live_session(session, room, name.kind, name.resource_id, ts)
    if live.ended_at is None:
        live.ended_at = ts
        live.ended_by_user_id = uuid.UUID(user_id)


async def room_is_closed(session: AsyncSession, room: str, now: datetime) -> bool:
    """Closed when unknown, ended by a host, or over according to its own domain."""
    try:
        name = parse_room(room)
    except NotFound:
        return True
    live = await repository.get_live_session(session, room)
    if live is not None and live.ended_at is not None:
        return True
    check = ROOM_CLOSED_CHECKS[name.kind]()
    return await check(session, name.resource_id, now) if check is not None else False
