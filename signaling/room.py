"""Room state machine (pure, no I/O): who is in a room, in which state, and who must be told.

Every transition takes a RoomState and returns the next RoomState plus the effects
(messages to send, sockets to close). The transport applies a transition inside
one atomic store update (memory or Redis), then carries the effects out on
whichever worker holds each addressed connection.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from signaling import protocol
from signaling.protocol import (
    CLOSE_FORBIDDEN,
    CLOSE_NORMAL,
    CLOSE_REPLACED,
    CLOSE_ROOM_CLOSED,
    ERR_FORBIDDEN,
    ERR_UNKNOWN_PEER,
)

PeerState = Literal["admitted", "waiting"]


class RoomError(Exception):
    """A refused room command: answered with `error`, nothing changes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class JoinRefused(Exception):
    """A hello the room refuses: the socket is closed with `close_code`."""

    def __init__(self, close_code: int, reason: str) -> None:
        super().__init__(reason)
        self.close_code = close_code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Member:
    peer_id: str
    user_id: str
    display_name: str
    role: str
    state: PeerState
    worker: str  # which server process holds the socket
    conn: str  # globally unique id of that socket
    disconnected_at: float | None = None  # set while in resume grace

    @property
    def connected(self) -> bool:
        return self.disconnected_at is None

    def peer(self) -> dict[str, str]:
        return {"peer_id": self.peer_id, "display_name": self.display_name, "role": self.role}


@dataclass(frozen=True, slots=True)
class RoomState:
    members: tuple[Member, ...] = ()
    ended: bool = False
    version: int = 0

    def get(self, peer_id: str) -> Member | None:
        for member in self.members:
            if member.peer_id == peer_id:
                return member
        return None

    def to_json(self) -> str:
        return json.dumps(
            {"v": self.version, "ended": self.ended, "m": [asdict(m) for m in self.members]},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes | None) -> RoomState:
        if not raw:
            return cls()
        obj = json.loads(raw)
        return cls(
            members=tuple(Member(**m) for m in obj["m"]), ended=obj["ended"], version=obj["v"]
        )


@dataclass(frozen=True, slots=True)
class Send:
    worker: str
    conn: str
    message: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Close:
    worker: str
    conn: str
    code: int
    reason: str


Effect = Send | Close


@dataclass(frozen=True, slots=True)
class Outcome:
    effects: tuple[Effect, ...] = ()
    member: Member | None = None
    # For a join: the welcome's state and peers, then messages the joiner gets right after it.
    peers: tuple[dict[str, str], ...] = ()
    follow_up: tuple[dict[str, Any], ...] = ()
    resumed: bool = False
    changed: bool = True


@dataclass(frozen=True, slots=True)
class JoinRequest:
    peer_id: str  # fresh id, used unless a resume succeeds
    user_id: str
    display_name: str
    role: str
    worker: str
    conn: str
    resume: str | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    resume_grace: float = 30.0
    max_peers: int = 6


def can_see(viewer: Member, subject: Member) -> bool:
    """Admitted peers see admitted peers; hosts also see the waiting room."""
    if viewer.peer_id == subject.peer_id or viewer.state != "admitted":
        return False
    return subject.state == "admitted" or viewer.role == "host"


def _tell_viewers(
    members: tuple[Member, ...], subject: Member, message: dict[str, Any]
) -> list[Effect]:
    return [
        Send(m.worker, m.conn, message) for m in members if m.connected and can_see(m, subject)
    ]


def _visible_peers(members: tuple[Member, ...], viewer: Member) -> tuple[dict[str, str], ...]:
    return tuple(m.peer() for m in members if m.state == "admitted" and can_see(viewer, m))


def _bump(state: RoomState, members: tuple[Member, ...], **changes: Any) -> RoomState:
    return replace(state, members=members, version=state.version + 1, **changes)


def purge(state: RoomState, now: float, limits: Limits) -> tuple[RoomState, list[Effect]]:
    """Drop members whose resume grace has run out: peer-left reason timeout."""
    expired = [
        m for m in state.members
        if m.disconnected_at is not None and now - m.disconnected_at >= limits.resume_grace
    ]
    if not expired:
        return state, []
    effects: list[Effect] = []
    members = state.members
    for gone in expired:
        members = tuple(m for m in members if m.peer_id != gone.peer_id)
        effects += _tell_viewers(members, gone, protocol.peer_left(gone.peer_id, "timeout"))
    return _bump(state, members), effects


def join(
    state: RoomState, request: JoinRequest, now: float, limits: Limits
) -> tuple[RoomState, Outcome]:
    state, effects = purge(state, now, limits)
    if state.ended:
        raise JoinRefused(CLOSE_ROOM_CLOSED, "room ended")
    previous = state.get(request.resume) if request.resume else None
    if previous is not None and previous.user_id == request.user_id:
        return _resume(state, previous, request, effects)

    # A fresh join replaces any connection the same user still has in this room.
    stale = [m for m in state.members if m.user_id == request.user_id]
    others = tuple(m for m in state.members if m.user_id != request.user_id)
    if len(others) >= limits.max_peers:
        raise JoinRefused(CLOSE_FORBIDDEN, "room full")
    for old in stale:
        if old.connected:
            effects.append(Close(old.worker, old.conn, CLOSE_REPLACED, "replaced"))
        effects += _tell_viewers(others, old, protocol.peer_left(old.peer_id, "removed"))
    member = Member(
        peer_id=request.peer_id,
        user_id=request.user_id,
        display_name=request.display_name,
        role=request.role,
        state="waiting" if request.role == "guest" else "admitted",
        worker=request.worker,
        conn=request.conn,
    )
    members = (*others, member)
    if member.state == "admitted":
        effects += _tell_viewers(others, member, protocol.peer_joined(member.peer()))
    else:
        effects += _tell_viewers(others, member, protocol.waiting(member.peer()))
    return _bump(state, members), Outcome(
        effects=tuple(effects),
        member=member,
        peers=_visible_peers(others, member),
        follow_up=_waiting_notices(others, member),
    )


def _resume(
    state: RoomState, previous: Member, request: JoinRequest, effects: list[Effect]
) -> tuple[RoomState, Outcome]:
    if previous.connected:
        # The client reconnected before we noticed its old socket was dead.
        effects.append(Close(previous.worker, previous.conn, CLOSE_REPLACED, "replaced"))
    member = replace(previous, worker=request.worker, conn=request.conn, disconnected_at=None)
    members = tuple(member if m.peer_id == member.peer_id else m for m in state.members)
    others = tuple(m for m in members if m.peer_id != member.peer_id)
    effects += _tell_viewers(others, member, protocol.peer_reconnected(member.peer_id))
    return _bump(state, members), Outcome(
        effects=tuple(effects),
        member=member,
        peers=_visible_peers(others, member),
        follow_up=_waiting_notices(others, member),
        resumed=True,
    )


def _waiting_notices(others: tuple[Member, ...], viewer: Member) -> tuple[dict[str, Any], ...]:
    if viewer.role != "host" or viewer.state != "admitted":
        return ()
    return tuple(protocol.waiting(m.peer()) for m in others if m.state == "waiting")


def _current(state: RoomState, peer_id: str, conn: str) -> Member | None:
    member = state.get(peer_id)
    return member if member is not None and member.conn == conn else None


def leave(
    state: RoomState, peer_id: str, conn: str, reason: str, now: float, limits: Limits
) -> tuple[RoomState, Outcome]:
    """The peer left (`leave`) or went silent (`timeout`): gone at once, no grace."""
    state, effects = purge(state, now, limits)
    member = _current(state, peer_id, conn)
    if member is None:
        return state, Outcome(effects=tuple(effects), changed=bool(effects))
    members = tuple(m for m in state.members if m.peer_id != peer_id)
    effects += _tell_viewers(members, member, protocol.peer_left(peer_id, reason))
    return _bump(state, members), Outcome(effects=tuple(effects), member=member)


def disconnect(
    state: RoomState, peer_id: str, conn: str, now: float, limits: Limits
) -> tuple[RoomState, Outcome]:
    """The socket closed without `leave`: keep the peer for the resume grace."""
    state, effects = purge(state, now, limits)
    member = _current(state, peer_id, conn)
    if member is None or not member.connected:
        return state, Outcome(effects=tuple(effects), changed=bool(effects))
    held = replace(member, disconnected_at=now)
    members = tuple(held if m.peer_id == peer_id else m for m in state.members)
    return _bump(state, members), Outcome(effects=tuple(effects), member=held)


def expire(state: RoomState, now: float, limits: Limits) -> tuple[RoomState, Outcome]:
    state, effects = purge(state, now, limits)
    return state, Outcome(effects=tuple(effects), changed=bool(effects))


def _require_host(state: RoomState, peer_id: str, conn: str) -> Member:
    actor = _current(state, peer_id, conn)
    if actor is None or actor.role != "host" or actor.state != "admitted":
        raise RoomError(ERR_FORBIDDEN, "only a host may do this")
    return actor


def _waiting_target(state: RoomState, target_id: str) -> Member:
    target = state.get(target_id)
    if target is None or target.state != "waiting":
        raise RoomError(ERR_UNKNOWN_PEER, "no such peer in the waiting room")
    return target


def admit(
    state: RoomState, peer_id: str, conn: str, target_id: str
) -> tuple[RoomState, Outcome]:
    _require_host(state, peer_id, conn)
    target = replace(_waiting_target(state, target_id), state="admitted")
    members = tuple(target if m.peer_id == target_id else m for m in state.members)
    others = tuple(m for m in members if m.peer_id != target_id)
    effects: list[Effect] = []
    if target.connected:
        peers = list(_visible_peers(others, target))
        effects.append(Send(target.worker, target.conn, protocol.admitted(peers)))
    effects += [
        Send(m.worker, m.conn, protocol.peer_joined(target.peer()))
        for m in others
        if m.connected and m.state == "admitted"
    ]
    return _bump(state, members), Outcome(effects=tuple(effects), member=target)


def deny(state: RoomState, peer_id: str, conn: str, target_id: str) -> tuple[RoomState, Outcome]:
    _require_host(state, peer_id, conn)
    target = _waiting_target(state, target_id)
    members = tuple(m for m in state.members if m.peer_id != target_id)
    effects: list[Effect] = _tell_viewers(members, target, protocol.peer_left(target_id, "removed"))
    if target.connected:
        effects.append(Close(target.worker, target.conn, CLOSE_FORBIDDEN, "denied"))
    return _bump(state, members), Outcome(effects=tuple(effects), member=target)


def end(state: RoomState, peer_id: str, conn: str) -> tuple[RoomState, Outcome]:
    """A host ends the room: everyone is told the others left, then every socket closes."""
    actor = _require_host(state, peer_id, conn)
    effects: list[Effect] = []
    for viewer in state.members:
        if not viewer.connected:
            continue
        effects += [
            Send(viewer.worker, viewer.conn, protocol.peer_left(m.peer_id, "ended"))
            for m in state.members
            if can_see(viewer, m)
        ]
        effects.append(Close(viewer.worker, viewer.conn, CLOSE_NORMAL, "ended"))
    return _bump(state, (), ended=True), Outcome(effects=tuple(effects), member=actor)


@dataclass
class Roster:
    """A worker's read-only copy of a room, refreshed from versioned snapshots."""

    state: RoomState = field(default_factory=RoomState)

    def apply(self, snapshot: RoomState) -> None:
        if snapshot.version >= self.state.version:
            self.state = snapshot
