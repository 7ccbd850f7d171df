"""Login with throttling, session and token issue, and resolution of a presented credential."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts import repository
from telehealth.accounts.context import Actor
from telehealth.accounts.repository import LiveSession
from telehealth.accounts.security import new_token, token_hash, verify_password_async
from telehealth.audit.service import build_event
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.errors import TooManyRequests, Unauthorized
from telehealth.models import AuthSession, LoginAttempt, Role, User

# Failures from one address across many usernames (credential stuffing) are capped too.
IP_FAILURE_FACTOR = 4


@dataclass(frozen=True)
class IssuedCredential:
    token: str
    csrf_token: str | None
    expires_at: datetime
    user: User


async def _check_throttle(
    session: AsyncSession, settings: Settings, username: str, ip: str | None, now: datetime
) -> None:
    window_start = now - timedelta(minutes=settings.login_lockout_minutes)
    last_ok = await repository.last_success_at(session, username)
    since = max(window_start, last_ok) if last_ok else window_start
    failures = await repository.count_failures_since(session, since=since, username=username)
    ip_failures = (
        await repository.count_failures_since(session, since=window_start, ip=ip) if ip else 0
    )
    if (
        failures >= settings.login_max_failures
        or ip_failures >= settings.login_max_failures * IP_FAILURE_FACTOR
    ):
        retry = settings.login_lockout_minutes * 60
        raise TooManyRequests(
            "errors.login_throttled",
            minutes=settings.login_lockout_minutes,
            headers={"Retry-After": str(retry)},
        )


async def login(
    db: Database,
    session: AsyncSession,
    settings: Settings,
    *,
    username: str,
    password: str,
    kind: str,
    now: datetime,
    client_ip: str | None,
    user_agent: str | None,
    request_id: str | None,
) -> IssuedCredential:
    """Check the password and issue a web session or an API token.

    A failed attempt is recorded in its own transaction: the request's transaction rolls
    back with the error, but the throttle and the audit log must still see the failure.
    """
    username = username.strip().lower()
    await _check_throttle(session, settings, username, client_ip, now)
    found = await repository.get_user_by_username(session, username)
    user_id = found.id if found else None
    stored_hash = found.password_hash if found else None
    active = bool(found and found.is_active)
    # End the reading transaction before the deliberately slow Argon2 check: on SQLite it holds
    # the database's only write lock, and concurrent logins would time out waiting for it.
    await session.rollback()
    ok = await verify_password_async(stored_hash, password)
    user = await repository.get_user(session, user_id) if ok and user_id and active else None
    if user is None or not user.is_active:
        async for failure_session in db.transaction():
            failure_session.add(
                LoginAttempt(username=username, client_ip=client_ip, succeeded=False, at=now)
            )
            failure_session.add(
                build_event(
                    None,
                    "auth.login",
                    outcome="failure",
                    resource_type="User",
                    resource_id=user_id,
                    detail={"username": username, "kind": kind},
                    request_id=request_id,
                    client_ip=client_ip,
                )
            )
        raise Unauthorized("errors.bad_credentials")

    return issue(
        session,
        settings,
        user,
        kind=kind,
        now=now,
        client_ip=client_ip,
        user_agent=user_agent,
        request_id=request_id,
        detail={"kind": kind},
    )


def issue(
    session: AsyncSession,
    settings: Settings,
    user: User,
    *,
    kind: str,
    now: datetime,
    client_ip: str | None,
    user_agent: str | None,
    request_id: str | None,
    detail: dict[str, str] | None = None,
) -> IssuedCredential:
    """A new web session or API token for a user who has just proved who they are (a checked
    password, or an account created in this very transaction), in the caller's transaction."""
    ttl = settings.session_ttl_hours if kind == "web" else settings.api_token_ttl_hours
    token = new_token()
    csrf = secrets.token_urlsafe(24) if kind == "web" else None
    auth = AuthSession(
        token_hash=token_hash(token),
        user_id=user.id,
        kind=kind,
        csrf_token=csrf,
        created_at=now,
        expires_at=now + timedelta(hours=ttl),
        client_ip=client_ip,
        user_agent=(user_agent or "")[:255] or None,
    )
    user.last_login_at = now
    session.add(auth)
    session.add(LoginAttempt(username=user.username, client_ip=client_ip, succeeded=True, at=now))
    event = build_event(
        None,
        "auth.login",
        resource_type="User",
        resource_id=user.id,
        detail=detail or {"kind": kind},
        request_id=request_id,
        client_ip=client_ip,
    )
    # There is no actor before the login succeeds: the event is the user's own.
    event.actor_user_id, event.actor_role = user.id, str(user.role)
    event.actor_facility_id = user.facility_id
    session.add(event)
    return IssuedCredential(token=token, csrf_token=csrf, expires_at=auth.expires_at, user=user)


async def resolve(
    session: AsyncSession, token: str, now: datetime
) -> tuple[LiveSession, str | None] | None:
    """The live session behind a presented token, and its user's province."""
    found = await repository.get_live_session(session, token_hash(token), now)
    if found is None:
        return None
    if found.user["role"] == Role.regulator:
        return found, found.user["jurisdiction_province_code"]
    return found, found.facility_province_code


async def logout(session: AsyncSession, actor: Actor, now: datetime) -> None:
    if actor.session_id is not None:
        await repository.revoke_session(session, actor.session_id, now)

