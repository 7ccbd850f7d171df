"""Live delivery over Server-Sent Events: the user's bus channels, streamed while the login lasts.

The stream re-checks the login before every delivery and on every heartbeat, so a revoked or
expired session stops receiving at once, not when the browser next reloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from telehealth.accounts.context import Actor
from telehealth.clock import Clock
from telehealth.db import Database
from telehealth.models import Role
from telehealth.notifications import repository
from telehealth.notifications.service import user_channel

HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 5000


def facility_consultations_channel(facility_id: uuid.UUID) -> str:
    return f"facility:{facility_id}:consultations"


def channels_for(actor: Actor) -> list[str]:
    channels = [user_channel(actor.user_id)]
    if actor.role in (Role.clinician, Role.facility_admin) and actor.facility_id is not None:
        channels.append(facility_consultations_channel(actor.facility_id))
    return channels


def format_event(channel: str, message: dict[str, Any]) -> bytes:
    kind = str(message.get("type") or "message").replace("\n", " ")
    data = json.dumps({**message, "channel": channel}, ensure_ascii=False)
    return f"event: {kind}\ndata: {data}\n\n".encode()


async def _still_logged_in(db: Database, clock: Clock, session_id: uuid.UUID | None) -> bool:
    if session_id is None:
        return False
    async with db.sessionmaker() as session:
        return await repository.session_is_live(session, session_id, clock.now())


async def event_stream(
    db: Database, bus: Any, clock: Clock, actor: Actor, *, heartbeat: float = HEARTBEAT_SECONDS
) -> AsyncIterator[bytes]:
    channels = channels_for(actor)
    async with bus.subscribe(*channels) as messages:
        # A pump task feeds a queue: cancelling a wait on the bus's own iterator would end it.
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(maxsize=1000)

        async def pump() -> None:
            async for item in messages:
                await queue.put(item)

        pumping = asyncio.create_task(pump())
        try:
            ready = json.dumps({"channels": len(channels)})
            yield f"retry: {RETRY_MILLISECONDS}\nevent: ready\ndata: {ready}\n\n".encode()
            while True:
                try:
                    channel, message = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    if not await _still_logged_in(db, clock, actor.session_id):
                        break
                    yield b": heartbeat\n\n"
                    continue
                if not await _still_logged_in(db, clock, actor.session_id):
                    break
                yield format_event(channel, message)
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping
