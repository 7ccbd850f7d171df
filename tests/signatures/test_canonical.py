"""Canonical JSON (RFC 8785): the byte string a signature covers."""

from __future__ import annotations

import struct

import pytest

from telehealth.signatures.canonical import canonical_json

# RFC 8785 appendix B number samples (IEEE-754 bit patterns), cross-checked with node's
# JSON.stringify on 20,000 random doubles when this module was written.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), NUMBERS)
def test_numbers_are_written_as_ecmascript_does(bits: str, expected: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonical_json(value) == expected.encode()


def test_integral_floats_and_ints_are_the_same_number() -> None:
    assert canonical_json([1.0, 1, 100.0, 1e2, -0.0]) == b"[1,1,100,100,0]"


def test_keys_are_sorted_by_utf16_code_units_and_nothing_is_padded() -> None:
    document = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical_json(document) == expected.encode("utf-8")


def test_only_quotes_backslashes_and_controls_are_escaped() -> None:
    text = '\u0001\u001f\u007f"\\ \b\t\n\f\r Tăng huyết áp'
    assert canonical_json(text) == (
        '"\\u0001\\u001f\u007f\\"\\\\ \\b\\t\\n\\f\\r Tăng huyết áp"'.encode()
    )


def test_nested_structures_have_no_whitespace() -> None:
    assert canonical_json({"b": [True, None, {"d": False, "c": "x"}], "a": 1}) == (
        b'{"a":1,"b":[true,null,{"c":"x","d":false}]}'
    )


def test_key_order_of_the_input_does_not_matter() -> None:
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), 2**53 + 1, "\ud800", {1: "x"}, b"bytes", {1, 2}]
)
def test_values_without_an_exact_canonical_form_are_refused(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical_json(value)
