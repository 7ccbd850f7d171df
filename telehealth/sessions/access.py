"""Room access: which rooms exist, and what a caller may do in one (host, participant, guest).

A room is named `<kind>:<id>` (e.g. `appointment:0193…`). Each kind has a resolver
owned by its domain; a resolver answers a `RoomGrant` for a caller who may join now,
`None` when the room is not theirs (answered 404: existence is private), or raises a
typed error when the room is theirs but not open (too early, already over).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.errors import NotFound

if TYPE_CHECKING:
    from telehealth.accounts.context import Actor

RoomRole = Literal["host", "participant", "guest"]


@dataclass(frozen=True)
class RoomGrant:
    room: str
    role: RoomRole
    display_name: str


RoomResolver = Callable[
    [AsyncSession, "Actor", uuid.UUID, datetime], Awaitable[RoomGrant | None]
]


def _appointment_resolver() -> RoomResolver:
    from telehealth.sessions.appointment_rooms import resolve_appointment_room

    return resolve_appointment_room


def _consultation_resolver() -> RoomResolver:
    # Imported when first used: the consultations domain depends on this module (RoomGrant),
    # so importing it at module level would be circular.
    from telehealth.consultations.rooms import resolve_consultation_room

    return resolve_consultation_room


# kind -> a function returning the kind's resolver (resolved lazily, see above).
ROOM_KINDS: dict[str, Callable[[], RoomResolver]] = {
    "appointment": _appointment_resolver,
    "consultation": _consultation_resolver,
}

# Whether a room's own record says the visit is over (cancelled, concluded, past its window).
RoomClosedCheck = Callable[[AsyncSession, uuid.UUID, datetime], Awaitable[bool]]


def _appointment_closed_check() -> RoomClosedCheck | None:
    from telehealth.sessions.appointment_rooms import is_appointment_room_closed

    return is_appointment_room_closed


def _consultation_closed_check() -> RoomClosedCheck | None:
    # Optional for a kind: without it, only a host's `end` (a LiveSession.ended_at) closes
    # the room, and every join is still checked by the kind's resolver.
    from telehealth.consultations import rooms

    check: RoomClosedCheck | None = getattr(rooms, "is_consultation_room_closed", None)
    return check


ROOM_CLOSED_CHECKS: dict[str, Callable[[], RoomClosedCheck | None]] = {
    "appointment": _appointment_closed_check,
    "consultation": _consultation_closed_check,
}


@dataclass(frozen=True)
class RoomName:
    kind: str
    resource_id: uuid.UUID

    def __str__(self) -> str:
        return f"{self.kind}:{self.resource_id}"


def room_name(kind: str, resource_id: uuid.UUID) -> str:
    return str(RoomName(kind, resource_id))


def parse_room(room: str) -> RoomName:
    """`appointment:<uuid>` → RoomName; anything else is a room that does not exist (404)."""
    kind, sep, raw_id = room.partition(":")
    if not sep or kind not in ROOM_KINDS:
        raise NotFound("sessions.errors.room_not_found")
    try:
        resource_id = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound("sessions.errors.room_not_found") from None
    return RoomName(kind, resource_id)


async def resolve_room(
    session: AsyncSession, actor: Actor, room: str, now: datetime
) -> RoomGrant:
    """The caller's grant for `room` at `now`; NotFound when the room is not theirs."""
    name = parse_room(room)
    resolver = ROOM_KINDS[name.kind]()
    grant = await resolver(session, actor, name.resource_id, now)
    if grant is None:
        raise NotFound("sessions.errors.room_not_found")
    return grant
