"""Parsing every client message and building every server message (pure)."""

from __future__ import annotations

import json

import pytest

from signaling import protocol as p


def parse(obj: object) -> p.ClientMessage:
    return p.parse_client_message(json.dumps(obj))


def refused(obj: object) -> p.ProtocolError:
    with pytest.raises(p.ProtocolError) as info:
        parse(obj) if not isinstance(obj, str) else p.parse_client_message(obj)
    assert info.value.code == "bad_message"
    return info.value


def test_hello_with_and_without_resume() -> None:
    assert parse({"type": "hello", "token": "t"}) == p.Hello("t", None)
    assert parse({"type": "hello", "token": "t", "resume": "p1", "id": "i"}) == p.Hello(
        "t", "p1", "i")
    refused({"type": "hello"})
    refused({"type": "hello", "token": "t", "resume": 5})


def test_signal_description_and_candidate_shapes() -> None:
    desc = {"description": {"type": "offer", "sdp": "v=0"}}
    assert parse({"type": "signal", "to": "b", "data": desc}) == p.Signal("b", desc)
    assert parse({"type": "signal", "to": "b", "data": {"candidate": None}}).data == {
        "candidate": None}
    refused({"type": "signal", "to": "b", "data": {}})
    refused({"type": "signal", "to": "b", "data": {"description": "x"}})
    refused({"type": "signal", "to": "b", "data": {"candidate": "x"}})
    refused({"type": "signal", "data": desc})


def test_chat_length_bounds() -> None:
    assert parse({"type": "chat", "text": "a"}) == p.Chat("a")
    assert parse({"type": "chat", "text": "a" * 2000}).text == "a" * 2000  # type: ignore[union-attr]
    refused({"type": "chat", "text": ""})
    refused({"type": "chat", "text": "   "})
    refused({"type": "chat", "text": "a" * 2001})


def test_stats_keeps_unknown_keys_and_checks_known_types() -> None:
    sample = {"rtt_ms": 1.5, "audio_only": True, "vendor_x": {"y": 1}}
    assert parse({"type": "stats", "sample": sample}) == p.Stats(sample)
    refused({"type": "stats", "sample": {"rtt_ms": True}})
    refused({"type": "stats", "sample": {"audio_only": 1}})
    refused({"type": "stats"})


def test_event_names_are_the_contract_list() -> None:
    for name in p.EVENT_NAMES:
        assert parse({"type": "event", "name": name}) == p.Event(name, {})
    refused({"type": "event", "name": "nope"})
    refused({"type": "event", "name": "failed", "detail": 3})


def test_ping_leave_end_admit_deny() -> None:
    assert parse({"type": "ping", "ts": 5}) == p.Ping(5)
    assert parse({"type": "leave"}) == p.Leave()
    assert parse({"type": "end", "id": "e"}) == p.End("e")
    assert parse({"type": "admit", "peer_id": "g"}) == p.Admit("g")
    assert parse({"type": "deny", "peer_id": "g"}) == p.Deny("g")
    refused({"type": "admit"})


def test_malformed_frames() -> None:
    refused("{nope")
    refused("[1]")
    refused({"type": "teleport"})
    refused({"no": "type"})
    error = refused({"type": "ping", "id": "x" * 65})
    assert error.msg_id is None
    assert refused({"type": "teleport", "id": "k"}).msg_id == "k"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_a_number_json_does_not_have_is_malformed(number: str) -> None:
    # Python's json module would accept these; no browser sends them (JSON.stringify
    # writes null), so a frame carrying one is answered like any other malformed frame.
    refused('{"type":"stats","sample":{"rtt_ms":' + number + "}}")


def test_a_lone_surrogate_is_malformed() -> None:
    # It could not be stored as UTF-8 text (chat is stored before it is relayed).
    refused('{"type":"chat","text":"\\ud800"}')


def test_encoded_frames_are_compact_utf8() -> None:
    text = p.encode({"type": "chat", "from": "a", "text": "Chào bác sĩ", "ts": "t"})
    assert text == '{"type":"chat","from":"a","text":"Chào bác sĩ","ts":"t"}'


def test_server_messages() -> None:
    peer = {"peer_id": "a", "display_name": "A", "role": "host"}
    assert p.welcome(peer_id="a", room="r", role="host", display_name="A", state="admitted",
                     ice_servers=[], peers=[peer], msg_id="h")["id"] == "h"
    assert p.waiting(peer) == {"type": "waiting", "peer": peer}
    assert p.admitted([peer]) == {"type": "admitted", "peers": [peer]}
    assert p.peer_joined(peer) == {"type": "peer-joined", "peer": peer}
    assert p.peer_left("a", "ended") == {"type": "peer-left", "peer_id": "a", "reason": "ended"}
    with pytest.raises(ValueError):
        p.peer_left("a", "exploded")
    assert p.peer_reconnected("a") == {"type": "peer-reconnected", "peer_id": "a"}
    assert p.signal("a", {"candidate": None}) == {"type": "signal", "from": "a",
                                                 "data": {"candidate": None}}
    assert p.chat("a", "hi", "2026-11-22T10:00:00.000Z")["ts"].endswith("Z")
    assert p.pong(1) == {"type": "pong", "ts": 1}
    assert p.ack("i") == {"type": "ack", "id": "i"}
    assert p.error("forbidden", "no") == {"type": "error", "code": "forbidden", "message": "no"}
    assert json.loads(p.encode({"t": "ấ"})) == {"t": "ấ"}


# Frames a full quality queue may drop unread: stats or event, no id, nothing escaped.
SHEDDABLE = [
    '{"type":"stats","sample":{"rtt_ms":40,"ts":1.5}}',
    '{"type": "stats", "sample": {"rtt_ms": 40}}',
    ' \n{ "type" :\t"event", "name": "connected"}',
    '{"type":"event","name":"failed","detail":{"why":"ice"}}',
    '{"type":"stats","sample":{"rtt_ms":"fast"}}',  # malformed stats: dropped either way
    '{"type":"stats","sample":',  # not JSON: a truncated stats
]
# Everything else is parsed and answered, however much it looks like a sample.
NOT_SHEDDABLE = [
    '{"type":"stats","sample":{"rtt_ms":40},"id":"s1"}',  # an ack is owed
    '{"id":"s1","type":"stats","sample":{}}',
    '{"type":"chat","text":"{\\"type\\":\\"stats\\"}"}',
    '{"sample":{},"type":"stats"}',  # type not first: not recognised, parsed instead
    '{"type":"stats","text":"hi","type":"chat"}',  # JSON keeps the last "type"
    '{"type":"stats","\\u0074ype":"chat","text":"hi"}',  # an escaped second "type"
    '{"type":"event","name":"connected","\\u0069d":"e1"}',  # an escaped "id"
    '{"type":"stats","sample":{"vendor":{"type":"x"}}}',  # a nested "type": merely parsed
    '{"type":"statsx","sample":{}}',
    '{"type":"signal","to":"b","data":{"candidate":null}}',
    '["stats"]',
    '"stats"',
    '',
]


@pytest.mark.parametrize("text", SHEDDABLE)
def test_sheddable_frames_are_stats_or_events_without_id(text: str) -> None:
    assert p.is_unacked_quality_frame(text)
    try:
        message = p.parse_client_message(text)
    except p.ProtocolError as exc:
        assert exc.msg_id is None  # nothing to answer it by id
    else:
        assert isinstance(message, p.Stats | p.Event) and message.id is None


@pytest.mark.parametrize("text", NOT_SHEDDABLE)
def test_other_frames_are_never_sheddable(text: str) -> None:
    assert not p.is_unacked_quality_frame(text)


def test_duplicate_and_escaped_type_keys_parse_as_the_last_one() -> None:
    # Why the check refuses them: the parser's answer differs from the frame's prefix.
    assert isinstance(p.parse_client_message(NOT_SHEDDABLE[4]), p.Chat)
    assert isinstance(p.parse_client_message(NOT_SHEDDABLE[5]), p.Chat)
    assert p.parse_client_message(NOT_SHEDDABLE[6]).id == "e1"
