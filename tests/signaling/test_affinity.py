"""Room affinity keys: stable per room, distinct between rooms, opaque, ignored by the server."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from signaling.affinity import (
    ROOM_KEY_PARAM,
    derive_affinity_secret,
    room_key,
    with_room_key,
)
from signaling.tokens import derive_signaling_secret
from tests.signaling.conftest import Server

SECRET = derive_affinity_secret("k")
ROOM = "appointment:01932c1e-7a4b-7c3e-9a51-2f0d6e8b4c11"


def test_key_is_stable_for_a_room() -> None:
    assert room_key(SECRET, ROOM) == room_key(derive_affinity_secret("k"), ROOM)


def test_keys_differ_between_rooms() -> None:
    rooms = [f"appointment:0193{i:04x}-7a4b-7c3e-9a51-2f0d6e8b4c11" for i in range(1000)]
    assert len({room_key(SECRET, room) for room in rooms}) == len(rooms)


def test_key_reveals_nothing_of_the_room() -> None:
    key = room_key(SECRET, ROOM)
    decoded = base64.urlsafe_b64decode(key)
    assert len(key) == 12 and len(decoded) == 9
    for part in (ROOM, "appointment", "01932c1e", "2f0d6e8b4c11"):
        assert part not in key and part.encode() not in decoded
    # Without the service's secret nobody can compute (or confirm a guess of) a room's key.
    assert room_key(derive_affinity_secret("other"), ROOM) != key


def test_affinity_secret_is_not_the_join_token_secret() -> None:
    assert derive_affinity_secret("k") != derive_signaling_secret("k")


def test_relative_url_gets_the_key_as_its_query() -> None:
    assert with_room_key("/ws/signaling/v1", "abc_-") == f"/ws/signaling/v1?{ROOM_KEY_PARAM}=abc_-"


def test_absolute_url_keeps_its_parameters_and_replaces_an_old_key() -> None:
    url = with_room_key(f"wss://sig.example.vn/ws/signaling/v1?a=1&{ROOM_KEY_PARAM}=old", "new")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("wss", "sig.example.vn",
                                                         "/ws/signaling/v1")
    assert parse_qs(parts.query) == {"a": ["1"], ROOM_KEY_PARAM: ["new"]}


async def test_handshake_ignores_the_key_and_unknown_parameters(server: Server) -> None:
    alice = await server.join("alice")
    server.url = with_room_key(f"{server.url}?client=test&x=", room_key(SECRET, "room-1"))
    bob = await server.join("bob")
    await alice.expect("peer-joined")
    await bob.signal(alice.peer_id, {"candidate": None})
    assert (await alice.expect("signal"))["from"] == bob.peer_id
    await alice.close()
    await bob.close()
