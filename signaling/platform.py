"""PlatformPort: the narrow interface from signaling to the platform (storage, room status)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, Protocol
from urllib.parse import quote

import httpx

QualityKind = Literal["sample", "event"]
INTERNAL_PREFIX = "/api/v1/internal/signaling"


class PlatformError(Exception):
    """The platform could not do what was asked (the caller decides what the peer sees)."""


class QualityRecord(NamedTuple):
    """One `stats` sample or connection `event` of one peer, stamped by the server.

    A tuple, not a frozen dataclass: one is built per sample (tens of thousands a second
    at peak), and a frozen dataclass's `__init__` costs several times as much.
    """

    room: str
    user_id: str
    peer_id: str
    kind: QualityKind
    payload: dict[str, Any]  # the sample as sent, or {"name": …, "detail": {…}}
    ts: datetime


class PlatformPort(Protocol):
    """All the platform does for signaling. Every `ts` is an aware UTC datetime."""

    async def store_chat(
        self, room: str, user_id: str, peer_id: str, display_name: str, text: str, ts: datetime
    ) -> None:
        """Persist one chat line; raise to refuse it (then it is not relayed)."""

    async def store_quality_many(self, records: Sequence[QualityRecord]) -> None:
        """Persist a batch of samples and events (of any peers and rooms), best effort.

        Signaling hands over whatever its quality queue holds, up to a few hundred records
        per call. The platform checks each record on its own: a bad one is dropped and
        counted there, never the batch. Raising means the whole batch was not stored.
        """

    async def room_ended(self, room: str, user_id: str, ts: datetime) -> None:
        """A host ended the room; the platform may conclude the consultation."""

    async def is_room_closed(self, room: str) -> bool:
        """True when the room is unknown or closed: its hellos get 4404."""


@dataclass
class MemoryPlatform:
    """Keeps everything in lists, in this process only: NOT durable.

    For tests and the standalone development mode; a restart loses every chat
    line. Rooms listed in `closed_rooms` (or ended) count as closed.
    """

    chats: list[dict[str, Any]] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    ended: list[dict[str, Any]] = field(default_factory=list)
    closed_rooms: set[str] = field(default_factory=set)
    # Tests flip this to prove that a failed store is never relayed.
    fail_chat: bool = False

    async def store_chat(
        self, room: str, user_id: str, peer_id: str, display_name: str, text: str, ts: datetime
    ) -> None:
        if self.fail_chat:
            raise PlatformError("chat store unavailable")
        self.chats.append(
            {"room": room, "user_id": user_id, "peer_id": peer_id,
             "display_name": display_name, "text": text, "ts": ts}
        )

    async def store_quality_many(self, records: Sequence[QualityRecord]) -> None:
        self.quality.extend(record._asdict() for record in records)

    async def room_ended(self, room: str, user_id: str, ts: datetime) -> None:
        self.ended.append({"room": room, "user_id": user_id, "ts": ts})
        self.closed_rooms.add(room)

    async def is_room_closed(self, room: str) -> bool:
        return room in self.closed_rooms


class HttpPlatform:
    """PlatformPort over the platform's internal HTTP API (standalone signaling).

    The AsyncClient belongs to the caller's lifespan; it must carry the
    platform base URL, and this class adds the bearer service token.
    """

    def __init__(self, client: httpx.AsyncClient, service_token: str) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {service_token}"}

    async def store_chat(
        self, room: str, user_id: str, peer_id: str, display_name: str, text: str, ts: datetime
    ) -> None:
        await self._post(
            "chat",
            {"room": room, "user_id": user_id, "peer_id": peer_id,
             "display_name": display_name, "text": text, "ts": rfc3339(ts)},
        )

    async def store_quality_many(self, records: Sequence[QualityRecord]) -> None:
        await self._post(
            "quality/batch",
            {"records": [
                {"room": r.room, "user_id": r.user_id, "peer_id": r.peer_id,
                 "kind": r.kind, "payload": r.payload, "ts": rfc3339(r.ts)}
                for r in records
            ]},
        )

    async def room_ended(self, room: str, user_id: str, ts: datetime) -> None:
        await self._post("room-ended", {"room": room, "user_id": user_id, "ts": rfc3339(ts)})

    async def is_room_closed(self, room: str) -> bool:
        try:
            response = await self._client.get(
                f"{INTERNAL_PREFIX}/rooms/{quote(room, safe='')}/closed", headers=self._headers
            )
        except httpx.HTTPError as exc:
            raise PlatformError(f"room status unavailable: {exc!r}") from exc
        if response.status_code == 404:
            return True
        if response.status_code != 200:
            raise PlatformError(f"room status answered {response.status_code}")
        return bool(response.json().get("closed", True))

    async def _post(self, name: str, body: dict[str, Any]) -> None:
        try:
            response = await self._client.post(
                f"{INTERNAL_PREFIX}/{name}", json=body, headers=self._headers
            )
        except httpx.HTTPError as exc:
            raise PlatformError(f"{name} unavailable: {exc!r}") from exc
        if response.status_code >= 300:
            raise PlatformError(f"{name} answered {response.status_code}")


def rfc3339(ts: datetime) -> str:
    """RFC 3339 UTC with millisecond precision and a Z, as every `ts` on the wire."""
    if ts.tzinfo is None:
        raise ValueError("naive datetime: signaling only handles aware UTC times")
    utc = ts.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
