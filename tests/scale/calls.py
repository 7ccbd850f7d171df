"""A consultation in session with its two people logged in, ready for a call."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from signaling.tools.client import SignalingClient, UnexpectedMessage
from tests.scale.journey import Clinician, People, consultation_request

OFFER = {"description": {"type": "offer", "sdp": "v=0 offer"}}
ANSWER = {"description": {"type": "answer", "sdp": "v=0 answer"}}


@dataclass
class Visit:
    consultation_id: str

    @property
    def room(self) -> str:
        return f"consultation:{self.consultation_id}"


async def visit_in_session(requester: Clinician, cardio: Clinician, people: People) -> Visit:
    opened = await requester.post("/consultations", consultation_request(people), expect=201)
    cid = opened["id"]
    await cardio.post(f"/consultations/{cid}/accept", {"note": "Tiếp nhận"})
    await cardio.post(f"/consultations/{cid}/start-session")
    return Visit(cid)


async def join(who: Clinician, ws_url: str, visit: Visit, resume: str | None = None
               ) -> SignalingClient:
    ticket = await who.post("/sessions/join-token", {"room": visit.room})
    client = await SignalingClient.connect(ws_url)
    await client.hello(str(ticket["token"]), resume=resume)
    return client


async def negotiate(offerer: SignalingClient, answerer: SignalingClient) -> None:
    """One offer/answer exchange through the server(s); fails if either frame is lost."""
    await offerer.signal(answerer.peer_id, OFFER)
    got = await _signal_from(answerer, offerer.peer_id)
    assert got["data"] == OFFER
    await answerer.signal(offerer.peer_id, ANSWER)
    got = await _signal_from(offerer, answerer.peer_id)
    assert got["data"] == ANSWER


async def _signal_from(client: SignalingClient, sender: str, within: float = 10) -> dict[str, Any]:
    """The next signal, past room news about *other* peers.

    A user who joins again replaces their earlier connection, and the others are told
    `peer-left` (reason `removed`) for it: news about someone else, not a lost frame. News
    that the sender itself left is a failure.
    """
    async with asyncio.timeout(within):
        while True:
            message = await client.recv(within)
            kind = message.get("type")
            if kind == "signal" and message.get("from") == sender:
                return message
            if kind in ("pong", "peer-joined"):
                continue
            if kind == "peer-left" and message.get("peer_id") != sender:
                continue
            raise UnexpectedMessage(f"expected a signal from {sender}, got {message}")


async def leave_and_close(*clients: SignalingClient) -> None:
    """Leave the room, then close: a retry must not meet these peers as stale members."""
    for client in clients:
        with contextlib.suppress(Exception):
            await client.send({"type": "leave"})
        await client.close()
