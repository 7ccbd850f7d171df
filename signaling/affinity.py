"""Room affinity: an opaque key per room, so the proxy sends both peers of a call to one worker.

The platform appends `?room_key=<key>` to the signaling URL it hands out with a join
token; nginx hashes on that parameter (`hash $arg_room_key consistent`), so both peers
of a room reach the same worker and their signals are relayed in-process. The key is
an HMAC of the room name under a secret derived from the service's secret: stable for
a room, different between rooms, and it says nothing about the appointment or
consultation behind it (URLs end up in access logs). The server ignores it: a URL
without the key works the same, only without affinity, and a room split across
workers (a resume on another worker, a rolled pod) still relays through the bus.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ROOM_KEY_PARAM = "room_key"
ROOM_KEY_LABEL = b"vtelehealth/signaling-room-affinity/v1"
# 9 bytes (72 bits, 12 characters): ample to spread rooms evenly and to be unguessable.
ROOM_KEY_BYTES = 9


def derive_affinity_secret(secret_key: str) -> bytes:
    """The room-key secret, separate from the join-token secret (a key is not a credential)."""
    return hmac.new(secret_key.encode(), ROOM_KEY_LABEL, hashlib.sha256).digest()


def room_key(secret: bytes, room: str) -> str:
    """The opaque affinity key of `room` (URL-safe base64, no padding)."""
    digest = hmac.new(secret, room.encode(), hashlib.sha256).digest()[:ROOM_KEY_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def with_room_key(ws_url: str, key: str) -> str:
    """`ws_url` (relative or absolute) with its room key set, other parameters kept."""
    parts = urlsplit(ws_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k != ROOM_KEY_PARAM]
    query.append((ROOM_KEY_PARAM, key))
    return urlunsplit(parts._replace(query=urlencode(query)))
