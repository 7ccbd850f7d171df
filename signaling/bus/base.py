"""The message bus: publish JSON-able dicts on named channels, subscribe to a fixed set."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

from signaling import jsoncodec

BusMessage = tuple[str, dict[str, Any]]


def encode(message: dict[str, Any]) -> bytes:
    """A bus message as JSON (relayed frames travel in it as text already encoded)."""
    return jsoncodec.dumps(message)


def decode(raw: bytes | str) -> dict[str, Any]:
    message: dict[str, Any] = jsoncodec.loads(raw)
    if jsoncodec.may_hold_rounded_integer(message):
        message = jsoncodec.reread_exactly(raw)
    return message


class Bus(ABC):
    """Fire-and-forget pub/sub shared by signaling and the platform's live notifications.

    Delivery is at most once and only to subscriptions that exist when the
    message is published; `subscribe` returns once the subscription is live, so
    "subscribe, then announce yourself" never loses a reply. Messages published
    by one task arrive in publish order.
    """

    @abstractmethod
    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    @abstractmethod
    def subscribe(self, *channels: str) -> AbstractAsyncContextManager[AsyncIterator[BusMessage]]:
        """`async with bus.subscribe("a", "b") as messages: async for channel, msg in messages`."""

    @abstractmethod
    async def close(self) -> None: ...

    @property
    def lost_subscriptions(self) -> int:
        """Subscriptions currently cut off and being re-made: messages to them are lost.

        A worker with a lost subscription cannot receive what other workers relay to its
        sockets, so it is not ready (`/readyz`) until this is back to 0.
        """
        return 0
