"""Join tokens and TURN REST credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from signaling.tokens import (
    InvalidJoinToken,
    derive_service_token,
    derive_signaling_secret,
    mint_join_token,
    verify_join_token,
)
from signaling.turn import build_ice_servers, turn_credential

SECRET = derive_signaling_secret("k")


def mint(**overrides: object) -> str:
    values: dict[str, object] = {"user_id": "u1", "room": "r1", "role": "guest",
                                 "display_name": "Nguyễn Văn A", "ttl_seconds": 300, "now": 1000}
    values.update(overrides)
    return mint_join_token(SECRET, **values)  # type: ignore[arg-type]


def test_token_round_trips_every_claim() -> None:
    grant = verify_join_token(SECRET, mint(), now=1200)
    assert (grant.user_id, grant.room, grant.role, grant.display_name, grant.expires_at) == (
        "u1", "r1", "guest", "Nguyễn Văn A", 1300)
    assert grant.token_id


def test_each_token_has_its_own_id() -> None:
    assert verify_join_token(SECRET, mint(), 1000).token_id != verify_join_token(
        SECRET, mint(), 1000).token_id


def test_expired_token_is_refused() -> None:
    with pytest.raises(InvalidJoinToken, match="expired"):
        verify_join_token(SECRET, mint(), now=1300)


def test_token_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(InvalidJoinToken, match="signature"):
        verify_join_token(derive_signaling_secret("other"), mint(), now=1000)


def test_tampered_payload_is_refused() -> None:
    body, sig = mint().split(".")
    with pytest.raises(InvalidJoinToken):
        verify_join_token(SECRET, body[:-2] + "AA." + sig, now=1000)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!!.???", "x" * 5000])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidJoinToken):
        verify_join_token(SECRET, token, now=1000)


def test_mint_refuses_unknown_role() -> None:
    with pytest.raises(ValueError):
        mint(role="admin")


def test_secrets_are_derived_with_distinct_labels() -> None:
    expected = hmac.new(b"k", b"vtelehealth/signaling-join-token/v1", hashlib.sha256).digest()
    assert expected == SECRET
    assert derive_service_token("k") != base64.urlsafe_b64encode(SECRET).decode().rstrip("=")


def test_turn_credential_matches_coturn_scheme() -> None:
    cred = turn_credential("s3cret", "u1", 600, now=1000)
    assert cred.username == "1600:u1"
    expected = base64.b64encode(hmac.new(b"s3cret", b"1600:u1", hashlib.sha1).digest()).decode()
    assert cred.credential == expected


def test_ice_servers_list_stun_then_turn_with_credentials() -> None:
    servers = build_ice_servers(stun_urls=["stun:a"], turn_urls=["turn:b", "turns:b:443"],
                                turn_secret="s", turn_ttl_seconds=60, user_id="u", now=10)
    assert servers[0] == {"urls": ["stun:a"]}
    assert servers[1]["urls"] == ["turn:b", "turns:b:443"]
    assert servers[1]["username"] == "70:u"


def test_turn_without_secret_is_left_out() -> None:
    servers = build_ice_servers(stun_urls=[], turn_urls=["turn:b"], turn_secret=None,
                                turn_ttl_seconds=60, user_id="u")
    assert servers == []
