"""A real server on a free port, real websocket clients: handshake, relay, chat."""

from __future__ import annotations

from tests.signaling.conftest import Server

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\n"}}


async def test_welcome_lists_admitted_peers_and_ice_servers(server: Server) -> None:
    alice = await server.join("alice")
    bob = await server.client()
    welcome = await bob.hello(server.token("bob"))
    assert welcome["state"] == "admitted"
    assert welcome["room"] == "room-1"
    assert welcome["peers"] == [
        {"peer_id": alice.peer_id, "display_name": "Alice", "role": "participant"}
    ]
    stun, turn = welcome["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    assert turn["username"].endswith(":bob") and turn["credential"]
    joined = await alice.expect("peer-joined")
    assert joined["peer"]["peer_id"] == bob.peer_id
    await alice.close()
    await bob.close()


async def test_signal_is_relayed_in_order_with_sender_id(server: Server) -> None:
    alice = await server.join("alice")
    bob = await server.join("bob")
    await alice.expect("peer-joined")
    for i in range(50):
        await bob.signal(alice.peer_id, {"candidate": {"candidate": f"c{i}", "sdpMid": "0"}})
    got = [await alice.expect("signal") for _ in range(50)]
    assert [m["data"]["candidate"]["candidate"] for m in got] == [f"c{i}" for i in range(50)]
    assert {m["from"] for m in got} == {bob.peer_id}
    await alice.close()
    await bob.close()
