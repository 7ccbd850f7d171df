"""Resolving a presented token: the caller's user as plain columns, an entity of the request's
session only when asked for."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from telehealth.accounts import repository
from telehealth.accounts.security import new_token, token_hash
from telehealth.clock import FrozenClock
from telehealth.db import Database
from telehealth.models import AuthSession, Role, User
from tests.fixtures import factories
from tests.fixtures.http import seeding


async def _live_token(db: Database, clock: FrozenClock) -> tuple[User, str]:
    token = new_token()
    async with seeding(db) as s:
        user = await factories.user(s, Role.patient, full_name="Nguyễn Thị Lan")
        s.add(
            AuthSession(
                token_hash=token_hash(token),
                user_id=user.id,
                kind="api",
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(hours=1),
            )
        )
    return user, token


async def test_resolving_a_token_makes_no_entity(db: Database, clock: FrozenClock) -> None:
    _user, token = await _live_token(db, clock)

    async for session in db.transaction():
        found = await repository.get_live_session(session, token_hash(token), clock.now())
        assert found is not None and found.kind == "api"
        assert found.user["full_name"] == "Nguyễn Thị Lan"
        assert found.user["created_at"].tzinfo is not None
        assert list(session.identity_map.values()) == []


async def test_the_callers_user_becomes_an_entity_of_the_session_when_asked_for(
    db: Database, clock: FrozenClock
) -> None:
    user, token = await _live_token(db, clock)

    async for session in db.transaction():
        found = await repository.get_live_session(session, token_hash(token), clock.now())
        assert found is not None
        entity = repository.user_entity(session, found.user)
        assert entity.created_at.tzinfo is not None
        assert await session.get(User, user.id) is entity  # no second load
        assert repository.user_entity(session, found.user) is entity
        assert not session.dirty
        entity.full_name = "Nguyễn Thị Lan Anh"  # a change through it is written

    async with seeding(db) as s:
        stored = (await s.execute(select(User.full_name).where(User.id == user.id))).scalar_one()
    assert stored == "Nguyễn Thị Lan Anh"


async def test_an_expired_session_resolves_to_nobody(db: Database, clock: FrozenClock) -> None:
    token = new_token()
    async with seeding(db) as s:
        user = await factories.user(s, Role.patient)
        s.add(
            AuthSession(
                token_hash=token_hash(token),
                user_id=user.id,
                kind="api",
                created_at=clock.now() - timedelta(hours=2),
                expires_at=clock.now() - timedelta(seconds=1),
            )
        )

    async for session in db.transaction():
        assert await repository.get_live_session(session, token_hash(token), clock.now()) is None
