"""Two workers sharing the real Redis: presence, relay, chat, resume and end across them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from signaling.app import create_app
from signaling.platform import MemoryPlatform
from signaling.tools.serve import serve_in_process
from tests.signaling.conftest import REDIS_URL, Server, fast_settings

pytestmark = pytest.mark.redis


@asynccontextmanager
async def two_workers(prefix: str, **overrides: object) -> AsyncIterator[tuple[Server, Server]]:
    settings = fast_settings(redis_url=REDIS_URL, redis_prefix=prefix, **overrides)
    platform = MemoryPlatform()  # the platform is shared, as the database would be
    async with (
        serve_in_process(create_app(settings, platform)) as url_a,
        serve_in_process(create_app(settings, platform)) as url_b,
    ):
        yield Server(url_a, platform, settings), Server(url_b, platform, settings)


async def test_peers_on_two_workers_see_each_other_and_relay_in_order(redis_prefix: str) -> None:
    async with two_workers(redis_prefix) as (a, b):
        alice = await a.join("alice")
        bob = await b.client()
        welcome = await bob.hello(b.token("bob"))
        assert [p["peer_id"] for p in welcome["peers"]] == [alice.peer_id]
        # The newcomer offers at once; nothing may be lost while presence propagates.
        for i in range(30):
            await bob.signal(alice.peer_id, {"candidate": {"candidate": f"c{i}"}})
        assert (await alice.expect("peer-joined"))["peer"]["peer_id"] == bob.peer_id
        got = [await alice.expect("signal") for _ in range(30)]
        assert [m["data"]["candidate"]["candidate"] for m in got] == [f"c{i}" for i in range(30)]
        await alice.signal(bob.peer_id, {"description": {"type": "answer", "sdp": "v=0"}})
        assert (await bob.expect("signal"))["from"] == alice.peer_id
        await alice.close()
        await bob.close()


async def test_answer_to_a_just_joined_peer_on_another_worker_arrives(redis_prefix: str) -> None:
    async with two_workers(redis_prefix) as (a, b):
        for round_ in range(10):
            room = f"r{round_}"
            alice = await a.join("alice", room=room)
            bob = await b.join("bob", room=room)
            await bob.signal(alice.peer_id, {"description": {"type": "offer", "sdp": "o"}})
            await alice.expect("peer-joined")
            offer = await alice.expect("signal")
            await alice.signal(offer["from"], {"description": {"type": "answer", "sdp": "a"}})
            assert (await bob.expect("signal"))["data"]["description"]["type"] == "answer"
            await alice.close()
            await bob.close()


async def test_chat_crosses_workers_after_being_stored(redis_prefix: str) -> None:
    async with two_workers(redis_prefix) as (a, b):
        alice, bob = await a.join("alice"), await b.join("bob")
        await alice.expect("peer-joined")
        await bob.send({"type": "chat", "text": "xin chào"})
        assert (await alice.expect("chat"))["text"] == "xin chào"
        assert (await bob.expect("chat"))["text"] == "xin chào"
        assert len(a.platform.chats) == 1
        await alice.close()
        await bob.close()


async def test_waiting_room_across_workers(redis_prefix: str) -> None:
    async with two_workers(redis_prefix) as (a, b):
        doctor = await a.join("doctor", "host")
        patient = await b.join("patient", "guest")
        assert (await doctor.expect("waiting"))["peer"]["peer_id"] == patient.peer_id
        await doctor.send({"type": "admit", "peer_id": patient.peer_id})
        assert [p["peer_id"] for p in (await patient.expect("admitted"))["peers"]] == [
            doctor.peer_id]
        await patient.signal(doctor.peer_id, {"candidate": None})
        assert (await doctor.expect("signal", skip=("peer-joined",)))["from"] == patient.peer_id
        await doctor.close()
        await patient.close()


async def test_resume_on_the_other_worker(redis_prefix: str) -> None:
    async with two_workers(redis_prefix) as (a, b):
        alice, bob = await a.join("alice"), await a.join("bob")
        await alice.expect("peer-joined")
        bob.ws.transport.abort()
        again = await b.client()
        assert (await again.hello(b.token("bob"), resume=bob.peer_id))["peer_id"] == bob.peer_id
        assert (await alice.expect("peer-reconnected"))["peer_id"] == bob.peer_id
        await alice.signal(bob.peer_id, {"candidate": None})
        assert (await again.expect("signal"))["from"] == alice.peer_id
        await alice.close()
        await again.close()


async def test_same_user_on_other_worker_replaces_with_4409(redis_prefix: str) -> None:
    async with two_workers(redis_prefix) as (a, b):
        old = await a.join("alice")
        new = await b.join("alice")
        assert (await old.closed())[0] == 4409
        await new.close()


async def test_end_closes_peers_on_every_worker(redis_prefix: str) -> None:
    async with two_workers(redis_prefix) as (a, b):
        doctor, nurse = await a.join("doctor", "host"), await b.join("nurse")
        await doctor.expect("peer-joined")
        await doctor.send({"type": "end"})
        assert (await nurse.expect("peer-left"))["reason"] == "ended"
        assert (await nurse.closed())[0] == 1000
        late = await b.client()
        await late.send({"type": "hello", "token": b.token("late")})
        assert (await late.closed())[0] == 4404
