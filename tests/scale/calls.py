"""A consultation in session with its two people logged in, ready for a call."""

from __future__ import annotations

from dataclasses import dataclass

from signaling.tools.client import SignalingClient
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
    got = await answerer.expect("signal", within=10, skip=("pong", "peer-joined"))
    assert got["from"] == offerer.peer_id and got["data"] == OFFER
    await answerer.signal(offerer.peer_id, ANSWER)
    got = await offerer.expect("signal", within=10, skip=("pong", "peer-joined"))
    assert got["data"] == ANSWER
