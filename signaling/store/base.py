"""RoomStore: where every worker reads and atomically updates a room's RoomState."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TypeVar

from signaling.room import RoomState

T = TypeVar("T")
Transition = Callable[[RoomState], tuple[RoomState, T]]


class RoomStore(ABC):
    @abstractmethod
    async def load(self, room: str) -> RoomState: ...

    @abstractmethod
    async def update(self, room: str, transition: Transition[T]) -> T:
        """Apply a pure transition atomically; it may run more than once (on contention),
        and when it raises nothing is written."""

    async def close(self) -> None:
        return None
