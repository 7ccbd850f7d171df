"""Routing between workers: carries room effects and relayed frames to the worker holding a socket.

Each worker subscribes to one bus channel of its own. A room transition sends,
to every worker with a connected member, the new room snapshot plus the
effects addressed to its sockets, in one message; since one worker's publishes
arrive in order, a worker always learns that a peer exists before any frame
that peer's arrival caused.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from signaling.room import Close, Effect, RoomState, Send


def worker_channel(worker_id: str) -> str:
    return f"signaling:worker:{worker_id}"


def encode_effect(effect: Effect) -> list[Any]:
    if isinstance(effect, Send):
        return ["send", effect.conn, effect.message]
    return ["close", effect.conn, effect.code, effect.reason]


def decode_effect(worker: str, raw: list[Any]) -> Effect:
    if raw[0] == "send":
        return Send(worker, raw[1], raw[2])
    return Close(worker, raw[1], int(raw[2]), str(raw[3]))


def plan_room_messages(
    room: str, state: RoomState, effects: tuple[Effect, ...], self_worker: str
) -> tuple[list[Effect], dict[str, dict[str, Any]]]:
    """Split effects into this worker's own and one bus message per other worker."""
    by_worker: dict[str, list[Effect]] = defaultdict(list)
    for effect in effects:
        by_worker[effect.worker].append(effect)
    local = by_worker.pop(self_worker, [])
    targets = {m.worker for m in state.members if m.connected} | set(by_worker)
    targets.discard(self_worker)
    snapshot = state.to_json()
    remote = {
        worker: {
            "k": "room",
            "room": room,
            "snap": snapshot,
            "fx": [encode_effect(e) for e in by_worker.get(worker, [])],
        }
        for worker in sorted(targets)
    }
    return local, remote


def frame_message(room: str, peer_id: str, conn: str, text: str, hop: int) -> dict[str, Any]:
    """A pre-encoded text frame for one socket on another worker."""
    return {"k": "send", "room": room, "peer": peer_id, "conn": conn, "text": text, "hop": hop}
