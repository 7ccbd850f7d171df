"""OAuth2 client-credentials tokens for a FHIR server, SMART Backend Services style.

The grant is RFC 6749 §4.4. How the client proves who it is is a separate, pluggable
`ClientAuthentication`: client_secret_basic and client_secret_post are implemented;
SMART's private_key_jwt (RFC 7523: a signed JWT in `client_assertion`) is one more class
with the same `authenticate` method, with no change to the grant or the client.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import quote

import httpx

from telehealth.clock import Clock
from telehealth.fhir.errors import AuthenticationError, TransientFhirError


class ClientAuthentication(Protocol):
    def authenticate(self, form: dict[str, str], headers: dict[str, str], token_url: str) -> None:
        """Add the client's credentials to the token request's form fields or headers."""
        ...


@dataclass(frozen=True)
class ClientSecretBasic:
    client_id: str
    client_secret: str

    def authenticate(self, form: dict[str, str], headers: dict[str, str], token_url: str) -> None:
        # RFC 6749 §2.3.1: both parts are form-urlencoded before the Basic encoding.
        raw = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(raw.encode()).decode("ascii")


@dataclass(frozen=True)
class ClientSecretPost:
    client_id: str
    client_secret: str

    def authenticate(self, form: dict[str, str], headers: dict[str, str], token_url: str) -> None:
        form["client_id"] = self.client_id
        form["client_secret"] = self.client_secret


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: datetime
    refresh_at: datetime


class TokenCache:
    """Holds the current token between HTTP clients, so a new client does not mean a new token."""

    def __init__(self) -> None:
        self.token: AccessToken | None = None


class ClientCredentialsGrant:
    """Gives a valid access token: the cached one, or a fresh one shortly before it expires."""

    # Refresh this long before expiry (at most a tenth of the lifetime), so a token never
    # expires between our check and the server's.
    REFRESH_MARGIN = timedelta(seconds=60)

    def __init__(
        self,
        token_url: str,
        auth: ClientAuthentication,
        *,
        clock: Clock,
        scope: str | None = None,
        cache: TokenCache | None = None,
    ) -> None:
        self.token_url = token_url
        self.auth = auth
        self.clock = clock
        self.scope = scope
        self.cache = cache or TokenCache()
        self._lock = asyncio.Lock()

    async def token(self, http: httpx.AsyncClient) -> str:
        current = self.cache.token
        if current and self.clock.now() < current.refresh_at:
            return current.value
        async with self._lock:  # one refresh for many concurrent callers
            current = self.cache.token
            if current and self.clock.now() < current.refresh_at:
                return current.value
            self.cache.token = await self._fetch(http)
            return self.cache.token.value

    def invalidate(self, value: str) -> None:
        """Forget a token the server rejected (revoked, or the server restarted)."""
        if self.cache.token and self.cache.token.value == value:
            self.cache.token = None

    async def _fetch(self, http: httpx.AsyncClient) -> AccessToken:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        headers = {"Accept": "application/json"}
        self.auth.authenticate(form, headers, self.token_url)
        try:
            response = await http.post(self.token_url, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientFhirError(f"token endpoint unreachable: {type(exc).__name__}") from exc
        if response.status_code in (400, 401, 403):
            # The OAuth2 error code only (never the request, which carries the secret).
            error = _json_field(response, "error") or f"HTTP {response.status_code}"
            raise AuthenticationError(
                f"token request refused: {error}", status=response.status_code
            )
        if response.status_code != 200:
            raise TransientFhirError(
                f"token endpoint answered HTTP {response.status_code}", status=response.status_code
            )
        value = _json_field(response, "access_token")
        if not value or str(_json_field(response, "token_type")).lower() != "bearer":
            raise AuthenticationError("token endpoint gave no bearer token")
        lifetime = timedelta(seconds=float(_json_field(response, "expires_in") or 300))
        now = self.clock.now()
        margin = min(self.REFRESH_MARGIN, lifetime / 10)
        return AccessToken(
            value=value, expires_at=now + lifetime, refresh_at=now + lifetime - margin
        )


def _json_field(response: httpx.Response, name: str) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get(name) if isinstance(body, dict) else None
    return None if value is None else str(value)
