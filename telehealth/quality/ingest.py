"""What a stats sample or connection event may contain before it is stored (pure, no I/O).

Signaling checks the JSON types of the known fields, but a client can still send NaN or
Infinity (Python's JSON parser accepts them and PostgreSQL's JSON refuses them), numbers
no network produces, user ids that are not ours, or a pile of unknown keys. Each such
record is dropped and counted here, so one hostile client costs a counter, never a batch.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

# Upper bounds no real link reaches; anything above is a bug or an attack, not a figure.
NUMERIC_LIMITS: dict[str, float] = {
    "rtt_ms": 60_000,
    "jitter_ms": 60_000,
    "packets_lost": 2**40,
    "packets_received": 2**40,
    "bitrate_in_kbps": 1_000_000,
    "bitrate_out_kbps": 1_000_000,
    "frames_decoded": 2**40,
    "frames_dropped": 2**40,
    "frame_width": 16_384,
    "frame_height": 16_384,
    "freeze_count": 2**31,
    "freeze_duration_ms": 2**40,
}
# A browser's packetsLost may go negative (duplicates); the rest may not.
MAY_BE_NEGATIVE = frozenset({"packets_lost"})
TEXT_FIELDS = {"ts": 40, "remote_peer_id": 64}
# The client's own clock: RFC 3339 text or a number (the spec allows both).
NUMBER_OR_TEXT = frozenset({"ts"})
# The spec keeps unknown keys; a few short scalars are kept, the rest are dropped.
MAX_EXTRA_KEYS = 16
MAX_EXTRA_KEY_CHARS = 40
MAX_EXTRA_TEXT_CHARS = 64
EVENT_NAMES = frozenset({
    "connected", "disconnected", "failed", "ice-restart", "reconnected", "device-error",
    "audio-only-on", "audio-only-off", "screen-share-on", "screen-share-off",
})
MAX_DETAIL_KEYS = 8
MAX_ROOM_CHARS = 80
MAX_PEER_CHARS = 64


class InvalidRecord(ValueError):
    """The record is dropped; `reason` names the counter it is added to."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CleanRecord(NamedTuple):
    """A record fit for `session_quality_record`, user id already parsed.

    A tuple: one is built per sample, and a frozen dataclass's `__init__` costs ~2 µs.
    """

    room: str
    user_id: uuid.UUID
    peer_id: str
    kind: str  # sample | event
    name: str | None
    payload: dict[str, Any]
    ts: datetime


def _finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not (isinstance(value, float) and not math.isfinite(value))


def _scalar(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, str):
        return len(value) <= MAX_EXTRA_TEXT_CHARS
    return _finite_number(value) and abs(value) <= 2**53


# key -> (low, high) for the numeric fields. This runs for every sample (tens of thousands
# a second at peak), so the checks below use exact type tests and one dict lookup per key.
_RANGES: dict[str, tuple[float, float]] = {
    key: (-limit if key in MAY_BE_NEGATIVE else 0, limit) for key, limit in NUMERIC_LIMITS.items()
}


def _number(value: Any, low: float, high: float) -> None:
    kind = type(value)  # exact: a bool is not a number here
    if kind is float:
        if value - value != 0.0:  # NaN or ±Infinity (Python's JSON parser accepts both)
            raise InvalidRecord("bad_number")
    elif kind is not int:
        raise InvalidRecord("bad_number")
    if not low <= value <= high:
        raise InvalidRecord("out_of_range")


_TS_BOUNDS = (-(2**53), 2**53)


def clean_sample(sample: Any) -> dict[str, Any]:
    """The sample with its known fields checked and its unknown keys trimmed."""
    if type(sample) is not dict:
        raise InvalidRecord("not_an_object")
    out: dict[str, Any] = {}
    extras = 0
    ranges = _RANGES
    for key, value in sample.items():
        if value is None:
            continue
        bounds = ranges.get(key)
        if bounds is not None:
            # _number inlined for the common case: the known figures of every sample.
            kind = type(value)
            if kind is int:
                if not bounds[0] <= value <= bounds[1]:
                    raise InvalidRecord("out_of_range")
            else:
                _number(value, *bounds)
        elif key in TEXT_FIELDS:
            if key in NUMBER_OR_TEXT and type(value) in (int, float):
                _number(value, *_TS_BOUNDS)
            elif type(value) is not str or len(value) > TEXT_FIELDS[key]:
                raise InvalidRecord("bad_text")
        elif key == "audio_only":
            if type(value) is not bool:
                raise InvalidRecord("bad_flag")
        elif type(key) is not str:
            raise InvalidRecord("bad_key")
        elif extras < MAX_EXTRA_KEYS and len(key) <= MAX_EXTRA_KEY_CHARS and _scalar(value):
            extras += 1
        else:
            continue  # an unknown key past the allowance: dropped, the sample kept
        out[key] = value
    return out


def clean_event(payload: Any) -> tuple[str, dict[str, Any]]:
    """The event's name and a detail of a few short scalars."""
    if not isinstance(payload, dict):
        raise InvalidRecord("not_an_object")
    name = payload.get("name")
    if name not in EVENT_NAMES:
        raise InvalidRecord("unknown_event")
    detail = payload.get("detail") or {}
    if not isinstance(detail, dict):
        raise InvalidRecord("bad_detail")
    kept = {
        k: v for k, v in list(detail.items())[:MAX_DETAIL_KEYS]
        if isinstance(k, str) and len(k) <= MAX_EXTRA_KEY_CHARS and _scalar(v)
    }
    return str(name), {"name": name, "detail": kept}


@lru_cache(maxsize=65_536)
def _user_uuid(raw: str) -> uuid.UUID:
    # A few thousand users send every 5 s: parse each id once, not once per sample.
    return uuid.UUID(raw)


def clean_record(
    room: Any, user_id: Any, peer_id: Any, kind: Any, payload: Any, ts: Any
) -> CleanRecord:
    """Check everything DatabasePlatform is handed; raise InvalidRecord to drop it."""
    if not isinstance(room, str) or not 0 < len(room) <= MAX_ROOM_CHARS:
        raise InvalidRecord("bad_room")
    if not isinstance(peer_id, str) or not 0 < len(peer_id) <= MAX_PEER_CHARS:
        raise InvalidRecord("bad_peer")
    if not isinstance(ts, datetime) or ts.tzinfo is None:
        raise InvalidRecord("bad_time")
    try:
        uid = _user_uuid(str(user_id))
    except ValueError:
        raise InvalidRecord("bad_user") from None
    if kind == "sample":
        return CleanRecord(room, uid, peer_id, "sample", None, clean_sample(payload), ts)
    if kind == "event":
        name, body = clean_event(payload)
        return CleanRecord(room, uid, peer_id, "event", name, body, ts)
    raise InvalidRecord("bad_kind")


@dataclass
class IngestCounters:
    """Read by GET /api/v1/quality/ingest-status and logged by the writer."""

    accepted: int = 0
    written: int = 0
    refused_by_database: int = 0
    dropped_full: int = 0
    dropped_peer_cap: int = 0
    invalid: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    write_seconds: float = 0.0
    # Times signaling's hand-over waited for the writer (the buffer past half full).
    backpressure_waits: int = 0

    def count_invalid(self, reason: str) -> int:
        self.invalid[reason] = self.invalid.get(reason, 0) + 1
        return sum(self.invalid.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "written": self.written,
            "refused_by_database": self.refused_by_database,
            "dropped_full": self.dropped_full,
            "dropped_peer_cap": self.dropped_peer_cap,
            "invalid": dict(sorted(self.invalid.items())),
            "invalid_total": sum(self.invalid.values()),
            "batches": self.batches,
            "write_seconds": round(self.write_seconds, 3),
            "backpressure_waits": self.backpressure_waits,
        }
