"""JSON for signaling frames and bus messages: fast, exact and strict.

orjson parses and writes a frame about four times faster than the json module (relay CPU
per message, docs/benchmarks.md), but it reads an integer beyond 64 bits as a float and
cannot write one. A peer's `data` is relayed as it was sent, so any text with a run of 19
or more digits (every integer orjson might round has one; so does an SDP's session id,
inside a string) is read by the json module instead, which keeps integers exact; writing
falls back the same way. Both paths refuse what is not JSON: NaN and Infinity (which the
json module would accept) and text that is not valid Unicode (a lone surrogate).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_DIGITS = re.compile(r"\d{19}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes) -> Any:
    """Parse `text`; raise ValueError if it is not JSON."""
    if isinstance(text, bytes):
        long_digits = _LONG_DIGITS_BYTES.search(text) is not None
    else:
        long_digits = _LONG_DIGITS.search(text) is not None
    if not long_digits:
        return orjson.loads(text)  # JSONDecodeError is a ValueError
    orjson.loads(text)  # the same strictness on this path: refuses lone surrogates
    return json.loads(text, parse_constant=_refuse_constant)


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
