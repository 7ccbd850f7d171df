"""Join tokens: minted by the platform, verified by signaling (HMAC-SHA256, compact)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Literal, cast, get_args

Role = Literal["host", "participant", "guest"]
ROLES: tuple[str, ...] = get_args(Role)

JOIN_TOKEN_LABEL = b"vtelehealth/signaling-join-token/v1"
SERVICE_TOKEN_LABEL = b"vtelehealth/signaling-service-token/v1"
# A token is a credential, never a document: refuse anything absurdly long before decoding.
MAX_TOKEN_CHARS = 2048


class InvalidJoinToken(Exception):
    """The token is malformed, wrongly signed or expired (the socket closes with 4401)."""


@dataclass(frozen=True, slots=True)
class JoinGrant:
    user_id: str
    room: str
    role: Role
    display_name: str
    expires_at: int
    token_id: str


def derive_signaling_secret(secret_key: str) -> bytes:
    """The join-token secret both the platform and a standalone signaling derive."""
    return hmac.new(secret_key.encode(), JOIN_TOKEN_LABEL, hashlib.sha256).digest()


def derive_service_token(secret_key: str) -> str:
    """Bearer token signaling presents to the platform's internal endpoints."""
    digest = hmac.new(secret_key.encode(), SERVICE_TOKEN_LABEL, hashlib.sha256).digest()
    return _b64encode(digest)


def mint_join_token(
    secret: bytes,
    *,
    user_id: str,
    room: str,
    role: Role,
    display_name: str,
    ttl_seconds: int = 300,
    now: float | None = None,
) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not user_id or not room:
        raise ValueError("user_id and room are required")
    issued = int(time.time() if now is None else now)
    payload = {
        "v": 1,
        "uid": user_id,
        "room": room,
        "role": role,
        "name": display_name,
        "exp": issued + int(ttl_seconds),
        "jti": secrets.token_urlsafe(12),
    }
    body = _b64encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{body}.{_b64encode(_sign(secret, body))}"


def verify_join_token(secret: bytes, token: str, now: float | None = None) -> JoinGrant:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise InvalidJoinToken("malformed token")
    body, signature = token.split(".")
    try:
        given = _b64decode(signature)
    except ValueError as exc:
        raise InvalidJoinToken("malformed signature") from exc
    if not hmac.compare_digest(given, _sign(secret, body)):
        raise InvalidJoinToken("bad signature")
    try:
        payload = json.loads(_b64decode(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJoinToken("malformed payload") from exc
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise InvalidJoinToken("unsupported token version")
    try:
        user_id, room, role = payload["uid"], payload["room"], payload["role"]
        display_name, expires_at, token_id = payload["name"], payload["exp"], payload["jti"]
    except KeyError as exc:
        raise InvalidJoinToken(f"missing claim {exc.args[0]}") from exc
    if not all(isinstance(v, str) for v in (user_id, room, display_name, token_id)):
        raise InvalidJoinToken("bad claim type")
    if role not in ROLES or not isinstance(expires_at, int) or isinstance(expires_at, bool):
        raise InvalidJoinToken("bad claim value")
    if (time.time() if now is None else now) >= expires_at:
        raise InvalidJoinToken("expired")
    return JoinGrant(
        user_id=user_id,
        room=room,
        role=cast(Role, role),
        display_name=display_name,
        expires_at=expires_at,
        token_id=token_id,
    )


def _sign(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("bad base64url") from exc
