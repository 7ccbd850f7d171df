"""Signaling v1 wire format: parse client messages, build server messages (pure, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from signaling import jsoncodec

# Close codes (contract §1, §8, §9).
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN_LATER = 1013  # our outbound queue to a socket overflowed (slow reader)
CLOSE_BAD_TOKEN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_ROOM_CLOSED = 4404
CLOSE_HANDSHAKE_TIMEOUT = 4408
CLOSE_REPLACED = 4409
CLOSE_RATE_LIMITED = 4429

# Error codes (contract §9) plus `unavailable`, our addition: the platform could not
# store a chat line, so it was not relayed (retrying later may work).
ERR_BAD_MESSAGE = "bad_message"
ERR_UNKNOWN_PEER = "unknown_peer"
ERR_FORBIDDEN = "forbidden"
ERR_RATE_LIMITED = "rate_limited"
ERR_TOO_LARGE = "too_large"
ERR_UNAVAILABLE = "unavailable"

PEER_LEFT_REASONS = ("left", "timeout", "removed", "ended")
MAX_ID_CHARS = 64
MAX_CHAT_CHARS = 2000
MAX_PEER_ID_CHARS = 64
EVENT_NAMES = frozenset(
    {
        "connected", "disconnected", "failed", "ice-restart", "reconnected", "device-error",
        "audio-only-on", "audio-only-off", "screen-share-on", "screen-share-off",
    }
)
# Known sample keys and the JSON types they must have; unknown keys are kept as sent.
_NUMBER = (int, float)
SAMPLE_FIELDS: dict[str, tuple[type, ...]] = {
    "ts": (*_NUMBER, str),
    "remote_peer_id": (str,),
    "rtt_ms": _NUMBER,
    "jitter_ms": _NUMBER,
    "packets_lost": _NUMBER,
    "packets_received": _NUMBER,
    "bitrate_in_kbps": _NUMBER,
    "bitrate_out_kbps": _NUMBER,
    "frames_decoded": _NUMBER,
    "frames_dropped": _NUMBER,
    "frame_width": _NUMBER,
    "frame_height": _NUMBER,
    "freeze_count": _NUMBER,
    "audio_only": (bool,),
}
# Messages a peer in the waiting room may send (contract §2).
WAITING_ALLOWED = frozenset({"leave", "ping", "stats", "event"})


class ProtocolError(Exception):
    """A client message the server refuses; answered with `error`, the socket stays open."""

    def __init__(self, code: str, message: str, msg_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.msg_id = msg_id


@dataclass(frozen=True, slots=True)
class Hello:
    token: str
    resume: str | None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    to: str
    data: dict[str, Any]
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Chat:
    text: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    sample: dict[str, Any]
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    detail: dict[str, Any]
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Ping:
    ts: Any
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Leave:
    id: str | None = None


@dataclass(frozen=True, slots=True)
class End:
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Admit:
    peer_id: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Deny:
    peer_id: str
    id: str | None = None


ClientMessage = Hello | Signal | Chat | Stats | Event | Ping | Leave | End | Admit | Deny


def parse_client_message(text: str) -> ClientMessage:
    """Decode and validate one client text frame; raise ProtocolError(bad_message)."""
    try:
        # NaN, Infinity and lone surrogates are refused too (signaling.jsoncodec).
        obj = jsoncodec.loads(text)
    except ValueError:
        raise ProtocolError(ERR_BAD_MESSAGE, "not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError(ERR_BAD_MESSAGE, "a message is a JSON object")
    msg_id = obj.get("id")
    if msg_id is not None and (not isinstance(msg_id, str) or len(msg_id) > MAX_ID_CHARS):
        raise ProtocolError(ERR_BAD_MESSAGE, f"id must be a string of at most {MAX_ID_CHARS}")
    kind = obj.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise ProtocolError(ERR_BAD_MESSAGE, f"unknown type {kind!r}", msg_id)
    if kind == "signal" and jsoncodec.may_hold_rounded_integer(obj.get("data")):
        obj = jsoncodec.reread_exactly(text)  # data is relayed as sent: integers stay exact
    return parser(obj, msg_id)


# `{"type":"stats"` or `{"type":"event"` at the very start, JSON whitespace allowed.
_QUALITY_PREFIX = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"type"[ \t\n\r]*:[ \t\n\r]*"(?:stats|event)"')


def is_unacked_quality_frame(text: str) -> bool:
    """True only if `text` can be nothing but a `stats` or `event` message without an id.

    Asked, without parsing, while the quality queue is full: such a frame is dropped
    unread, since it would be dropped after parsing anyway and needs no answer. It must
    never say True for any other message, even a hostile one, so it is strict:
    - the frame starts with the key "type" and the value "stats" or "event";
    - it has no backslash, so no key or string is escaped: a second "type" key (JSON
      keeps the last one) or an "id" key can only be spelled literally;
    - `"type"` appears once and `"id"` not at all (a sample with an unknown "id" key, or
      a string value "type", is merely parsed as usual).
    A frame that passes and is not valid JSON was a malformed stats or event: dropping
    it unanswered instead of answering bad_message is the one difference.
    """
    return (
        _QUALITY_PREFIX.match(text) is not None
        and "\\" not in text
        and '"id"' not in text
        and text.count('"type"') == 1
    )


def message_type(message: ClientMessage) -> str:
    return _TYPE_NAMES[type(message)]


def _str_field(obj: dict[str, Any], key: str, msg_id: str | None, limit: int = 4096) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ProtocolError(ERR_BAD_MESSAGE, f"{key} must be a non-empty string", msg_id)
    return value


def _parse_hello(obj: dict[str, Any], msg_id: str | None) -> Hello:
    token = _str_field(obj, "token", msg_id)
    resume = obj.get("resume")
    if resume is not None and (not isinstance(resume, str) or len(resume) > MAX_PEER_ID_CHARS):
        raise ProtocolError(ERR_BAD_MESSAGE, "resume must be a peer_id", msg_id)
    return Hello(token=token, resume=resume or None, id=msg_id)


def _parse_signal(obj: dict[str, Any], msg_id: str | None) -> Signal:
    to = _str_field(obj, "to", msg_id, MAX_PEER_ID_CHARS)
    data = obj.get("data")
    if not isinstance(data, dict):
        raise ProtocolError(ERR_BAD_MESSAGE, "data must be an object", msg_id)
    # The server relays data untouched; it only checks it is one of the two shapes.
    if "description" in data:
        if not isinstance(data["description"], dict):
            raise ProtocolError(ERR_BAD_MESSAGE, "description must be an object", msg_id)
    elif "candidate" in data:
        if data["candidate"] is not None and not isinstance(data["candidate"], dict):
            raise ProtocolError(ERR_BAD_MESSAGE, "candidate must be an object or null", msg_id)
    else:
        raise ProtocolError(ERR_BAD_MESSAGE, "data needs description or candidate", msg_id)
    return Signal(to=to, data=data, id=msg_id)


def _parse_chat(obj: dict[str, Any], msg_id: str | None) -> Chat:
    text = obj.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_CHAT_CHARS or not text.strip():
        raise ProtocolError(ERR_BAD_MESSAGE, f"text must be 1 to {MAX_CHAT_CHARS} chars", msg_id)
    return Chat(text=text, id=msg_id)


def _parse_stats(obj: dict[str, Any], msg_id: str | None) -> Stats:
    sample = obj.get("sample")
    if not isinstance(sample, dict):
        raise ProtocolError(ERR_BAD_MESSAGE, "sample must be an object", msg_id)
    for key, types in SAMPLE_FIELDS.items():
        value = sample.get(key)
        if value is None:
            continue
        # bool is an int in Python; only audio_only may be one.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise ProtocolError(ERR_BAD_MESSAGE, f"sample.{key} has the wrong type", msg_id)
    return Stats(sample=sample, id=msg_id)


def _parse_event(obj: dict[str, Any], msg_id: str | None) -> Event:
    name = obj.get("name")
    if name not in EVENT_NAMES:
        raise ProtocolError(ERR_BAD_MESSAGE, f"unknown event name {name!r}", msg_id)
    detail = obj.get("detail", {})
    if detail is None:
        detail = {}
    if not isinstance(detail, dict):
        raise ProtocolError(ERR_BAD_MESSAGE, "detail must be an object", msg_id)
    return Event(name=name, detail=detail, id=msg_id)


def _parse_ping(obj: dict[str, Any], msg_id: str | None) -> Ping:
    return Ping(ts=obj.get("ts"), id=msg_id)


def _parse_target(obj: dict[str, Any], msg_id: str | None) -> str:
    return _str_field(obj, "peer_id", msg_id, MAX_PEER_ID_CHARS)


_PARSERS: dict[str, Any] = {
    "hello": _parse_hello,
    "signal": _parse_signal,
    "chat": _parse_chat,
    "stats": _parse_stats,
    "event": _parse_event,
    "ping": _parse_ping,
    "leave": lambda obj, msg_id: Leave(id=msg_id),
    "end": lambda obj, msg_id: End(id=msg_id),
    "admit": lambda obj, msg_id: Admit(peer_id=_parse_target(obj, msg_id), id=msg_id),
    "deny": lambda obj, msg_id: Deny(peer_id=_parse_target(obj, msg_id), id=msg_id),
}
_TYPE_NAMES: dict[type, str] = {
    Hello: "hello", Signal: "signal", Chat: "chat", Stats: "stats", Event: "event",
    Ping: "ping", Leave: "leave", End: "end", Admit: "admit", Deny: "deny",
}


# Server → client builders. Each returns a dict; `encode` makes the text frame.

def encode(message: dict[str, Any]) -> str:
    return jsoncodec.dumps(message).decode()


def welcome(
    *,
    peer_id: str,
    room: str,
    role: str,
    display_name: str,
    state: str,
    ice_servers: list[dict[str, Any]],
    peers: list[dict[str, str]],
    msg_id: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "welcome", "peer_id": peer_id, "room": room, "role": role,
        "display_name": display_name, "state": state, "ice_servers": ice_servers,
        "peers": peers,
    }
    return _with_id(message, msg_id)


def waiting(peer: dict[str, str]) -> dict[str, Any]:
    return {"type": "waiting", "peer": peer}


def admitted(peers: list[dict[str, str]]) -> dict[str, Any]:
    return {"type": "admitted", "peers": peers}


def peer_joined(peer: dict[str, str]) -> dict[str, Any]:
    return {"type": "peer-joined", "peer": peer}


def peer_left(peer_id: str, reason: str) -> dict[str, Any]:
    if reason not in PEER_LEFT_REASONS:
        raise ValueError(f"unknown peer-left reason {reason!r}")
    return {"type": "peer-left", "peer_id": peer_id, "reason": reason}


def peer_reconnected(peer_id: str) -> dict[str, Any]:
    return {"type": "peer-reconnected", "peer_id": peer_id}


def signal(from_peer: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "signal", "from": from_peer, "data": data}


def chat(from_peer: str, text: str, ts: str) -> dict[str, Any]:
    return {"type": "chat", "from": from_peer, "text": text, "ts": ts}


def pong(ts: Any, msg_id: str | None = None) -> dict[str, Any]:
    return _with_id({"type": "pong", "ts": ts}, msg_id)


def ack(msg_id: str) -> dict[str, Any]:
    return {"type": "ack", "id": msg_id}


def error(code: str, message: str, msg_id: str | None = None) -> dict[str, Any]:
    return _with_id({"type": "error", "code": code, "message": message}, msg_id)


def _with_id(message: dict[str, Any], msg_id: str | None) -> dict[str, Any]:
    if msg_id is not None:
        message["id"] = msg_id
    return message
