"""JSON for signaling frames and bus messages: fast, strict, and exact where it must be.

orjson parses and writes a frame several times faster than the json module, and it is
stricter: NaN, Infinity and lone surrogates (which json would accept) are refused. One
habit needs care: it reads an integer beyond 64 bits as a float, and cannot write one.
Only a signal's `data` is relayed as the peer sent it (every other field is checked and
bounded), so `loads_exact` re-reads a text with the json module when its parsed `data`
holds a float large enough to be such an integer; `dumps` falls back the same way.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_ROUNDED = float(2**63)  # orjson keeps integers in [-2**63, 2**64) exact; beyond: floats


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes) -> Any:
    """Parse `text`; raise ValueError if it is not JSON."""
    return orjson.loads(text)  # JSONDecodeError is a ValueError


def reread_exactly(text: str | bytes) -> Any:
    """`text` parsed again with integers of any size kept exact (the slow path)."""
    return json.loads(text, parse_constant=_refuse_constant)


def may_hold_rounded_integer(value: Any) -> bool:
    """True if `value` (as orjson parsed it) holds a float that may have been an integer."""
    kind = type(value)
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return kind is float and not -_ROUNDED < value < _ROUNDED
    for item in value:  # a loop, not any(generator): this runs for every relayed signal
        kind = type(item)
        if kind is str or kind is int:
            continue
        if may_hold_rounded_integer(item):
            return True
    return False


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON; non-string keys written as strings, as the json module does."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        if not _has_big_integer(obj):
            raise
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _has_big_integer(obj: Any) -> bool:
    if isinstance(obj, int) and not isinstance(obj, bool):
        return not -(2**63) <= obj < 2**64
    if isinstance(obj, dict):
        return any(_has_big_integer(value) for value in obj.values())
    if isinstance(obj, list | tuple):
        return any(_has_big_integer(value) for value in obj)
    return False
