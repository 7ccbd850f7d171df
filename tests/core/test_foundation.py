"""The foundation: health, the error shape, login, tokens, throttling, CSRF."""

from __future__ import annotations

import httpx

from telehealth.db import Database
from telehealth.models import Role
from tests.fixtures import factories
from tests.fixtures.http import login, seeding, web_login


async def test_healthz_and_readyz_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "bus": "ok"}


async def test_unknown_api_route_has_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"] == "Không tìm thấy nội dung bạn yêu cầu."
    assert error["request_id"] == response.headers["x-request-id"]


async def test_error_messages_follow_accept_language(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Please log in to continue."


async def test_token_login_and_me(client: httpx.AsyncClient, db: Database) -> None:
    async with seeding(db) as s:
        await factories.user(s, Role.patient, username="0912000111")
    headers = await login(client, "0912000111")
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "patient"


async def test_wrong_password_is_401_and_audited(client: httpx.AsyncClient, db: Database) -> None:
    from sqlalchemy import select

    from telehealth.models import AuditEvent

    async with seeding(db) as s:
        await factories.user(s, Role.patient, username="0912000222")
    response = await client.post(
        "/api/v1/auth/token", json={"username": "0912000222", "password": "wrong"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    async with seeding(db) as s:
        events = (
            (await s.execute(select(AuditEvent).where(AuditEvent.action == "auth.login")))
            .scalars()
            .all()
        )
    assert [e.outcome for e in events] == ["failure"]


async def test_repeated_failures_lock_the_username(client: httpx.AsyncClient, db: Database) -> None:
    async with seeding(db) as s:
        await factories.user(s, Role.patient, username="0912000333")
    for _ in range(5):
        r = await client.post(
            "/api/v1/auth/token", json={"username": "0912000333", "password": "nope"}
        )
        assert r.status_code == 401
    locked = await client.post(
        "/api/v1/auth/token", json={"username": "0912000333", "password": factories.PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "900"


async def test_revoked_token_no_longer_works(client: httpx.AsyncClient, db: Database) -> None:
    async with seeding(db) as s:
        await factories.user(s, Role.clinician, username="bs.an")
    headers = await login(client, "bs.an")
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_malformed_login_body_is_422_with_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", json={"username": "", "password": 5})
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["details"]}
    assert fields == {"username", "password"}


async def test_web_login_sets_a_hardened_cookie(client: httpx.AsyncClient, db: Database) -> None:
    async with seeding(db) as s:
        await factories.user(s, Role.patient, username="0912000444")
    response = await client.post(
        "/login", data={"username": "0912000444", "password": factories.PASSWORD, "next": "/"}
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_web_post_without_csrf_token_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    async with seeding(db) as s:
        await factories.user(s, Role.patient, username="0912000555")
    csrf = await web_login(client, "0912000555")
    refused = await client.post("/logout", data={}, headers={"accept": "text/html"})
    assert refused.status_code == 403
    assert "Biểu mẫu đã hết hạn" in refused.text
    ok = await client.post("/logout", data={"csrf_token": csrf})
    assert ok.status_code == 303


async def test_web_login_rejects_open_redirects(client: httpx.AsyncClient, db: Database) -> None:
    async with seeding(db) as s:
        await factories.user(s, Role.patient, username="0912000666")
    response = await client.post(
        "/login",
        data={"username": "0912000666", "password": factories.PASSWORD, "next": "//evil.example/x"},
    )
    assert response.headers["location"] == "/"


async def test_pages_are_vietnamese_by_default_and_switch_to_english(
    client: httpx.AsyncClient,
) -> None:
    home = await client.get("/")
    assert 'lang="vi"' in home.text and "Đặt lịch khám" in home.text
    switched = await client.get("/lang/en?next=/")
    assert switched.status_code == 303
    english = await client.get("/")
    assert 'lang="en"' in english.text and "Book a visit" in english.text


async def test_protected_page_redirects_to_login(client: httpx.AsyncClient) -> None:
    response = await client.post("/logout", headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_concurrent_logins_all_succeed(client: httpx.AsyncClient, db: Database) -> None:
    """The password check runs outside the transaction, so SQLite's write lock is never held
    through Argon2 and simultaneous logins do not time out on each other."""
    import asyncio

    from telehealth.accounts.security import hash_password

    real_cost_hash = hash_password(factories.PASSWORD)  # production Argon2 parameters
    async with seeding(db) as s:
        for n in range(10):
            user = await factories.user(s, Role.patient, username=f"09123{n:05d}")
            user.password_hash = real_cost_hash
    results = await asyncio.gather(
        *(
            client.post(
                "/api/v1/auth/token",
                json={"username": f"09123{n:05d}", "password": factories.PASSWORD},
            )
            for n in range(10)
        )
    )
    assert [r.status_code for r in results] == [200] * 10
