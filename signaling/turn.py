"""ICE servers for `welcome`: STUN urls and TURN REST API credentials (coturn use-auth-secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TurnCredential:
    username: str
    credential: str
    expires_at: int


def turn_credential(
    static_auth_secret: str, user_id: str, ttl_seconds: int, now: float | None = None
) -> TurnCredential:
    """coturn's `use-auth-secret`: username "<expiry>:<user>", password HMAC-SHA1 of it.

    coturn recomputes the HMAC with its `static-auth-secret` and refuses the
    username once the expiry timestamp has passed, so nothing is stored.
    """
    expires_at = int(time.time() if now is None else now) + int(ttl_seconds)
    username = f"{expires_at}:{user_id}"
    digest = hmac.new(static_auth_secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode("ascii"), expires_at)


def build_ice_servers(
    *,
    stun_urls: list[str],
    turn_urls: list[str],
    turn_secret: str | None,
    turn_ttl_seconds: int,
    user_id: str,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """RTCIceServer dicts, ready for `new RTCPeerConnection({iceServers})`.

    TURN entries are only listed when a secret is configured: a TURN url without
    credentials would make browsers fail the whole configuration.
    """
    servers: list[dict[str, Any]] = []
    if stun_urls:
        servers.append({"urls": list(stun_urls)})
    if turn_urls and turn_secret:
        cred = turn_credential(turn_secret, user_id, turn_ttl_seconds, now)
        servers.append(
            {"urls": list(turn_urls), "username": cred.username, "credential": cred.credential}
        )
    return servers
