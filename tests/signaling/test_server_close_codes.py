"""Every close code of the contract, reached over a real socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from signaling.tokens import mint_join_token
from tests.signaling.conftest import Server


async def test_no_hello_closes_4408(server: Server) -> None:
    client = await server.client()
    assert await client.closed(within=2) == (4408, "handshake timeout")


async def test_other_messages_before_hello_get_bad_message_then_4408(server: Server) -> None:
    client = await server.client()
    await client.send({"type": "ping", "ts": 1, "id": "p1"})
    error = await client.expect("error")
    assert (error["code"], error["id"]) == ("bad_message", "p1")
    assert (await client.closed(within=2))[0] == 4408


async def test_bad_signature_closes_4401(server: Server) -> None:
    client = await server.client()
    forged = mint_join_token(b"not-the-secret", user_id="u", room="room-1", role="host",
                             display_name="U")
    await client.send({"type": "hello", "token": forged})
    assert (await client.closed())[0] == 4401


async def test_expired_token_closes_4401(server: Server) -> None:
    client = await server.client()
    await client.send({"type": "hello", "token": server.token("alice", ttl=-1)})
    assert (await client.closed())[0] == 4401


async def test_closed_room_closes_4404(server: Server) -> None:
    server.platform.closed_rooms.add("room-1")
    client = await server.client()
    await client.send({"type": "hello", "token": server.token("alice")})
    assert (await client.closed())[0] == 4404


async def test_full_room_closes_4403(make_server: Callable[..., Any]) -> None:
    async with make_server(max_peers_per_room=2) as server:
        first, second = await server.join("a"), await server.join("b")
        third = await server.client()
        await third.send({"type": "hello", "token": server.token("c")})
        assert await third.closed() == (4403, "room full")
        await first.close()
        await second.close()


async def test_newer_connection_of_same_user_closes_old_with_4409(server: Server) -> None:
    watcher = await server.join("watcher")
    old = await server.join("alice")
    await watcher.expect("peer-joined")
    new = await server.join("alice")
    assert (await old.closed())[0] == 4409
    left = await watcher.expect("peer-left")
    assert left == {"type": "peer-left", "peer_id": old.peer_id, "reason": "removed"}
    assert (await watcher.expect("peer-joined"))["peer"]["peer_id"] == new.peer_id
    await watcher.close()
    await new.close()


async def test_message_over_64_kib_closes_1009(server: Server) -> None:
    client = await server.join("alice")
    await client.send({"type": "chat", "text": "x", "pad": "y" * 65536})
    assert (await client.expect("error"))["code"] == "too_large"
    assert (await client.closed())[0] == 1009


async def test_message_of_exactly_64_kib_is_accepted(server: Server) -> None:
    client = await server.join("alice")
    body = {"type": "ping", "ts": 1, "pad": ""}
    body["pad"] = "y" * (65536 - len(json.dumps(body)))
    await client.send_raw(json.dumps(body))
    assert (await client.expect("pong"))["ts"] == 1
    await client.close()


async def test_sustained_flood_gets_rate_limited_then_4429(server: Server) -> None:
    client = await server.join("alice")
    # 100 messages of credit, then 50 refused ones, then the close (no time to refill).
    for i in range(200):
        await client.send({"type": "ping", "ts": i})
    kinds: list[str] = []
    try:
        while True:
            kinds.append((await client.recv(within=3))["type"])
    except Exception:
        pass
    assert kinds.count("pong") >= 99  # the hello spent one token
    assert "error" in kinds
    assert client.ws.close_code == 4429


async def test_fifty_messages_a_second_is_never_limited(server: Server) -> None:
    client = await server.join("alice")
    for i in range(100):  # two seconds at 50 msg/s, on top of the burst credit
        await client.send({"type": "ping", "ts": i})
        await asyncio.sleep(0.02)
    pongs = [await client.expect("pong") for _ in range(100)]
    assert [p["ts"] for p in pongs] == list(range(100))
    await client.close()
