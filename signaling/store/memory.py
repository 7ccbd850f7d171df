"""Room states in a dict: correct for one worker process only."""

from __future__ import annotations

from signaling.room import RoomState
from signaling.store.base import RoomStore, T, Transition


class MemoryRoomStore(RoomStore):
    def __init__(self) -> None:
        self._rooms: dict[str, RoomState] = {}

    async def load(self, room: str) -> RoomState:
        return self._rooms.get(room, RoomState())

    async def update(self, room: str, transition: Transition[T]) -> T:
        # No await between read and write: atomic on the event loop.
        current = self._rooms.get(room, RoomState())
        new_state, result = transition(current)
        if new_state is not current:
            if new_state.members or new_state.ended:
                self._rooms[room] = new_state
            else:
                # Keep the version monotonic for rosters even when the room empties.
                self._rooms[room] = RoomState(version=new_state.version)
        return result
