"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme): one byte string per JSON value.

A signature covers bytes, and two programs that serialise the same document differently
(key order, spaces, escapes, `1.0` vs `1`) must still produce the same bytes. The rules,
which are RFC 8785's:

- Objects: members sorted by key, comparing the keys as sequences of UTF-16 code units
  (so "😀" sorts before "דּ", as in JavaScript); keys must be strings; no duplicates (a
  Python dict has none).
- No whitespace anywhere: `{"a":1,"b":[true,null]}`.
- Strings: UTF-8 output; only `"` and `\\` and the controls U+0000–U+001F are escaped, the
  controls as `\\b \\t \\n \\f \\r` where those exist and `\\u00xx` (lower-case hex)
  otherwise; everything else, DEL and all non-ASCII included, is written as is. Strings
  holding lone surrogates are refused (they are not Unicode text).
- Numbers: the IEEE-754 double's shortest round-trip form, written the way ECMAScript's
  Number.prototype.toString does (RFC 8785 §3.2.2.3): `-0` is `0`; integers below 10^21
  have no exponent or fraction (`1e2` → `100`, `1.0` → `1`); 10^21 and above, or below
  10^-6, use `e+N` / `e-N`. NaN and ±Infinity are refused. Python integers beyond ±2^53
  are refused instead of being silently rounded, because a verifier reading them as
  doubles would see a different number.
- true, false, null as such. Lists and tuples are arrays; any other type is refused.
"""

from __future__ import annotations

import math
from typing import Any

MAX_SAFE_INTEGER = 2**53

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def canonical_json(document: Any) -> bytes:
    """The RFC 8785 canonical form of a JSON-compatible value, as UTF-8 bytes."""
    parts: list[str] = []
    _write(document, parts)
    return "".join(parts).encode("utf-8")


def _write(value: Any, out: list[str]) -> None:
    # bool before int: True is an int in Python.
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"integer {value} is beyond ±2^53 and cannot be canonicalised exactly")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {type(key).__name__}")
        out.append("{")
        for i, key in enumerate(
            sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        ):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")


def _string(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("strings must be valid Unicode (a lone surrogate was found)") from exc
    chars = []
    for ch in text:
        if ch in _ESCAPES:
            chars.append(_ESCAPES[ch])
        elif ch < " ":
            chars.append(f"\\u{ord(ch):04x}")
        else:
            chars.append(ch)
    return '"' + "".join(chars) + '"'


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("NaN and Infinity have no JSON form")
    if value == 0:
        return "0"  # -0 too
    sign = "-" if value < 0 else ""
    # repr() is the shortest string that reads back as the same double; split it into
    # its significant digits and decimal exponent, then lay them out as ECMAScript does.
    mantissa, _, exp = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n: the position of the decimal point relative to the start of `digits`.
    n = len(whole.lstrip("0")) if whole.strip("0") else -(len(frac) - len(frac.lstrip("0")))
    n += int(exp or 0)
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        text = (
            digits[0]
            + ("." + digits[1:] if k > 1 else "")
            + ("e+" if e >= 0 else "e-")
            + str(abs(e))
        )
    return sign + text
