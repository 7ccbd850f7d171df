"""The wire's JSON: what a peer sends is relayed exactly, and what is not JSON is refused."""

from __future__ import annotations

import json

import pytest

from signaling import jsoncodec
from signaling import protocol as p
from signaling.bus.base import decode, encode

BIG = [2**64, -(2**63) - 1, 10**30, -(10**40)]


@pytest.mark.parametrize("number", BIG)
def test_an_integer_beyond_64_bits_is_read_exactly(number: int) -> None:
    data = {"candidate": {"candidate": "c", "sdpMLineIndex": 0, "x-extension": number}}
    message = p.parse_client_message(json.dumps({"type": "signal", "to": "b", "data": data}))
    assert isinstance(message, p.Signal)
    assert message.data == data
    assert type(message.data["candidate"]["x-extension"]) is int


@pytest.mark.parametrize("number", BIG)
def test_an_integer_beyond_64_bits_is_written_exactly(number: int) -> None:
    data = {"sdp": "v=0", "n": number, "nested": [{"m": number}]}
    assert json.loads(p.encode({"type": "signal", "from": "a", "data": data}))["data"] == data
    assert decode(encode({"k": "send", "data": data})) == {"k": "send", "data": data}


def test_an_sdp_session_id_inside_a_string_stays_a_string() -> None:
    sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    data = {"description": {"type": "offer", "sdp": sdp}}
    message = p.parse_client_message(json.dumps({"type": "signal", "to": "b", "data": data}))
    assert isinstance(message, p.Signal)
    assert message.data == data


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("padding", ["", ',"n":123456789012345678901'])
def test_constants_are_refused_also_beside_a_big_integer(constant: str, padding: str) -> None:
    text = '{"type":"signal","to":"b","data":{"candidate":{"a":' + constant + padding + "}}}"
    with pytest.raises(p.ProtocolError):
        p.parse_client_message(text)
    with pytest.raises(ValueError):
        decode('{"a":' + constant + padding + "}")


@pytest.mark.parametrize("padding", ["", ',"n":123456789012345678901'])
def test_a_lone_surrogate_is_refused_also_beside_a_big_integer(padding: str) -> None:
    text = '{"type":"signal","to":"b","data":{"candidate":{"a":"\\ud800"' + padding + "}}}"
    with pytest.raises(p.ProtocolError):
        p.parse_client_message(text)
    with pytest.raises(ValueError):
        decode(('{"a":"\\ud800"' + padding + "}").encode())


def test_bytes_and_text_read_alike() -> None:
    text = '{"a":[1,2.5,"ư",null,true],"b":123456789012345678901}'
    assert decode(text) == decode(text.encode()) == json.loads(text)


@pytest.mark.parametrize(
    ("value", "suspect"),
    [(1.5, False), (2.0**62, False), (-(2.0**62), False), (2.0**63, True), (-(2.0**63), True),
     (1e300, True), ({"a": [1, {"b": 1e20}]}, True), ({"a": [1, "x", None, True]}, False)],
)
def test_which_floats_may_have_been_integers(value: object, suspect: bool) -> None:
    assert jsoncodec.may_hold_rounded_integer(value) is suspect


def test_non_string_keys_are_written_as_strings() -> None:
    assert jsoncodec.dumps({1: "a", "b": {2: None}}) == b'{"1":"a","b":{"2":null}}'


def test_what_json_cannot_hold_is_still_refused() -> None:
    with pytest.raises(TypeError):
        jsoncodec.dumps({"a": object()})
