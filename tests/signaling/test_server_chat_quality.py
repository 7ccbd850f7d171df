"""Chat is stored before it is relayed; quality data is stored, never relayed."""

from __future__ import annotations

import asyncio
from datetime import datetime

from tests.signaling.conftest import Server


async def test_chat_is_stored_then_relayed_to_everyone_with_server_ts(server: Server) -> None:
    alice, bob = await server.join("alice"), await server.join("bob")
    await alice.expect("peer-joined")
    await bob.send({"type": "chat", "text": "Chào bác sĩ", "id": "c1"})
    got_alice = await alice.expect("chat")
    got_bob = await bob.expect("chat")
    assert got_alice == got_bob
    assert (got_alice["from"], got_alice["text"]) == (bob.peer_id, "Chào bác sĩ")
    assert got_alice["ts"].endswith("Z")
    assert datetime.fromisoformat(got_alice["ts"]).utcoffset() is not None
    assert (await bob.expect("ack"))["id"] == "c1"
    [stored] = server.platform.chats
    assert (stored["room"], stored["user_id"], stored["peer_id"], stored["text"]) == (
        "room-1", "bob", bob.peer_id, "Chào bác sĩ")
    await alice.close()
    await bob.close()


async def test_chat_that_cannot_be_stored_is_not_relayed(server: Server) -> None:
    alice, bob = await server.join("alice"), await server.join("bob")
    await alice.expect("peer-joined")
    server.platform.fail_chat = True
    await bob.send({"type": "chat", "text": "lost?", "id": "c2"})
    error = await bob.expect("error")
    assert (error["code"], error["id"]) == ("unavailable", "c2")
    # A later ping proves nothing else was queued for alice in between.
    await alice.send({"type": "ping", "ts": 1})
    assert (await alice.recv())["type"] == "pong"
    assert server.platform.chats == []
    await alice.close()
    await bob.close()


async def test_chat_text_over_2000_chars_is_bad_message(server: Server) -> None:
    alice = await server.join("alice")
    await alice.send({"type": "chat", "text": "x" * 2001})
    assert (await alice.expect("error"))["code"] == "bad_message"
    await alice.close()


async def test_stats_and_events_are_stored_not_relayed(server: Server) -> None:
    alice, bob = await server.join("alice"), await server.join("bob")
    await alice.expect("peer-joined")
    sample = {"rtt_ms": 41.5, "jitter_ms": 3, "audio_only": False, "custom_key": [1, 2]}
    await bob.send({"type": "stats", "sample": sample, "id": "s"})
    await bob.send({"type": "event", "name": "ice-restart", "detail": {"why": "resume"}})
    await bob.send({"type": "ping", "ts": 0})
    assert (await bob.expect("ack"))["id"] == "s"
    await bob.expect("pong")
    for _ in range(50):
        if len(server.platform.quality) == 2:
            break
        await asyncio.sleep(0.02)
    kinds = [(q["kind"], q["payload"]) for q in server.platform.quality]
    assert kinds == [("sample", sample),
                     ("event", {"name": "ice-restart", "detail": {"why": "resume"}})]
    await alice.send({"type": "ping", "ts": 2})
    assert (await alice.recv())["type"] == "pong"  # nothing was relayed to alice
    await alice.close()
    await bob.close()


async def test_bad_sample_is_answered_and_session_survives(server: Server) -> None:
    alice = await server.join("alice")
    await alice.send({"type": "stats", "sample": {"rtt_ms": "fast"}, "id": "b"})
    assert (await alice.expect("error"))["code"] == "bad_message"
    await alice.send({"type": "stats", "sample": [1, 2]})
    assert (await alice.expect("error"))["code"] == "bad_message"
    await alice.send({"type": "event", "name": "exploded"})
    assert (await alice.expect("error"))["code"] == "bad_message"
    await alice.send_raw("{not json")
    assert (await alice.expect("error"))["code"] == "bad_message"
    await alice.send({"type": "ping", "ts": 9})
    assert (await alice.expect("pong"))["ts"] == 9
    await alice.close()
