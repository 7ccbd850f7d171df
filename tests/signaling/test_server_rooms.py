"""Waiting room, presence, resume, liveness and ending, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tests.signaling.conftest import Server


async def test_guest_waits_and_host_admits(server: Server) -> None:
    doctor = await server.join("doctor", "host")
    patient = await server.client()
    welcome = await patient.hello(server.token("patient", "guest"))
    assert (welcome["state"], welcome["peers"]) == ("waiting", [])
    notice = await doctor.expect("waiting")
    assert notice["peer"] == {"peer_id": patient.peer_id, "display_name": "Patient",
                              "role": "guest"}
    await doctor.send({"type": "admit", "peer_id": patient.peer_id, "id": "a1"})
    assert await doctor.expect("peer-joined") == {"type": "peer-joined", "peer": notice["peer"]}
    assert (await doctor.expect("ack"))["id"] == "a1"
    admitted = await patient.expect("admitted")
    assert [p["peer_id"] for p in admitted["peers"]] == [doctor.peer_id]
    await doctor.close()
    await patient.close()


async def test_guest_waits_without_host_and_host_arriving_sees_waiting(server: Server) -> None:
    patient = await server.client()
    assert (await patient.hello(server.token("patient", "guest")))["state"] == "waiting"
    doctor = await server.client()
    assert (await doctor.hello(server.token("doctor", "host")))["peers"] == []
    assert (await doctor.expect("waiting"))["peer"]["peer_id"] == patient.peer_id
    await doctor.close()
    await patient.close()


async def test_host_denies_guest_closes_4403(server: Server) -> None:
    doctor = await server.join("doctor", "host")
    patient = await server.join("patient", "guest")
    await doctor.expect("waiting")
    await doctor.send({"type": "deny", "peer_id": patient.peer_id})
    assert await patient.closed() == (4403, "denied")
    left = await doctor.expect("peer-left")
    assert (left["peer_id"], left["reason"]) == (patient.peer_id, "removed")
    await doctor.close()


async def test_waiting_guest_may_not_signal_or_chat(server: Server) -> None:
    doctor = await server.join("doctor", "host")
    patient = await server.join("patient", "guest")
    await patient.signal(doctor.peer_id, {"candidate": None}, msg_id="s1")
    assert (await patient.expect("error")) ["code"] == "forbidden"
    await patient.send({"type": "chat", "text": "hello?"})
    assert (await patient.expect("error"))["code"] == "forbidden"
    await patient.send({"type": "stats", "sample": {"rtt_ms": 12}, "id": "q"})
    assert (await patient.expect("ack"))["id"] == "q"
    await doctor.close()
    await patient.close()


async def test_admit_from_participant_is_forbidden(server: Server) -> None:
    nurse = await server.join("nurse", "participant")
    patient = await server.join("patient", "guest")
    await nurse.send({"type": "admit", "peer_id": patient.peer_id})
    assert (await nurse.expect("error"))["code"] == "forbidden"
    await nurse.close()
    await patient.close()


async def test_signal_to_absent_peer_is_unknown_peer(server: Server) -> None:
    alice = await server.join("alice")
    await alice.signal("nobody", {"candidate": None}, msg_id="x")
    error = await alice.expect("error")
    assert (error["code"], error["id"]) == ("unknown_peer", "x")
    await alice.close()


async def test_leave_tells_others_left(server: Server) -> None:
    alice, bob = await server.join("alice"), await server.join("bob")
    await alice.expect("peer-joined")
    await bob.send({"type": "leave"})
    assert (await bob.closed())[0] == 1000
    assert await alice.expect("peer-left") == {
        "type": "peer-left", "peer_id": bob.peer_id, "reason": "left"}
    await alice.close()


async def test_resume_within_grace_keeps_peer_id_and_tells_reconnected(server: Server) -> None:
    alice, bob = await server.join("alice"), await server.join("bob")
    await alice.expect("peer-joined")
    old_id = bob.peer_id
    bob.ws.transport.abort()  # the socket drops without a close frame
    again = await server.client()
    welcome = await again.hello(server.token("bob"), resume=old_id)
    assert welcome["peer_id"] == old_id
    assert [p["peer_id"] for p in welcome["peers"]] == [alice.peer_id]
    assert await alice.expect("peer-reconnected") == {
        "type": "peer-reconnected", "peer_id": old_id}
    await again.signal(alice.peer_id, {"candidate": None})
    assert (await alice.expect("signal"))["from"] == old_id
    await alice.close()
    await again.close()


async def test_resume_while_old_socket_still_open_replaces_it(server: Server) -> None:
    alice, bob = await server.join("alice"), await server.join("bob")
    await alice.expect("peer-joined")
    again = await server.client()
    assert (await again.hello(server.token("bob"), resume=bob.peer_id))["peer_id"] == bob.peer_id
    assert (await bob.closed())[0] == 4409
    assert (await alice.expect("peer-reconnected"))["peer_id"] == bob.peer_id
    await alice.close()
    await again.close()


async def test_resume_of_another_users_peer_id_is_a_fresh_join(server: Server) -> None:
    alice = await server.join("alice")
    mallory = await server.client()
    welcome = await mallory.hello(server.token("mallory"), resume=alice.peer_id)
    assert welcome["peer_id"] != alice.peer_id
    await alice.close()
    await mallory.close()


async def test_grace_expiry_reports_timeout(make_server: Callable[..., Any]) -> None:
    async with make_server(resume_grace=0.3) as server:
        alice, bob = await server.join("alice"), await server.join("bob")
        await alice.expect("peer-joined")
        await bob.close()
        left = await alice.expect("peer-left", within=3)
        assert (left["peer_id"], left["reason"]) == (bob.peer_id, "timeout")
        again = await server.client()
        welcome = await again.hello(server.token("bob"), resume=bob.peer_id)
        assert welcome["peer_id"] != bob.peer_id  # too late: a fresh peer
        await alice.close()
        await again.close()


async def test_silent_peer_is_dropped_with_timeout(make_server: Callable[..., Any]) -> None:
    async with make_server(liveness_timeout=0.4) as server:
        alice, bob = await server.join("alice"), await server.join("bob")
        await alice.expect("peer-joined")
        # alice keeps talking, bob stays silent
        left: dict[str, Any] = {}
        for i in range(30):
            await alice.send({"type": "ping", "ts": i})
            message = await alice.recv()
            if message["type"] == "peer-left":
                left = message
                break
            await asyncio.sleep(0.05)
        assert (left["peer_id"], left["reason"]) == (bob.peer_id, "timeout")
        assert (await bob.closed())[0] == 1001
        await alice.close()


async def test_host_end_tells_everyone_and_closes_room(server: Server) -> None:
    doctor = await server.join("doctor", "host")
    nurse = await server.join("nurse")
    await doctor.expect("peer-joined")
    await doctor.send({"type": "end"})
    assert await nurse.expect("peer-left") == {
        "type": "peer-left", "peer_id": doctor.peer_id, "reason": "ended"}
    assert (await nurse.closed())[0] == 1000
    assert (await doctor.expect("peer-left"))["peer_id"] == nurse.peer_id
    assert (await doctor.closed())[0] == 1000
    late = await server.client()
    await late.send({"type": "hello", "token": server.token("late")})
    assert (await late.closed())[0] == 4404
    assert [e["room"] for e in server.platform.ended] == ["room-1"]


async def test_ping_is_answered_with_pong_echoing_ts(server: Server) -> None:
    alice = await server.join("alice")
    await alice.send({"type": "ping", "ts": 123.5, "id": "p"})
    assert await alice.expect("pong") == {"type": "pong", "ts": 123.5, "id": "p"}
    await alice.close()
