"""Every route declares who may call it: an actor dependency, or an explicit public listing."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute

from telehealth.accounts.deps import current_actor, optional_actor
from telehealth.app import create_app
from telehealth.config import Settings

# Public on purpose: health probes, the API description, logging in, switching language.
# (Routes that serve public pages depend on `OptionalActor` and need no listing here.)
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/login"),
    ("GET", "/lang/{code}"),
}
# Machine-to-machine routes authenticate with their own credential, checked inside.
SELF_AUTHENTICATED_PREFIXES = ("/api/v1/internal/", "/ws/")


def _calls(dependant: Dependant) -> Iterator[object]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _app() -> FastAPI:
    return create_app(Settings(environment="test", database_url="sqlite+aiosqlite:///:memory:"))


def test_every_route_declares_who_may_call_it() -> None:
    undeclared = []
    for route in _app().routes:
        if isinstance(route, APIWebSocketRoute) or not isinstance(route, APIRoute):
            continue
        if route.path.startswith(SELF_AUTHENTICATED_PREFIXES):
            continue
        calls = set(_calls(route.dependant))
        for method in route.methods:
            if (method, route.path) in PUBLIC:
                continue
            if current_actor not in calls and optional_actor not in calls:
                undeclared.append(f"{method} {route.path}")
    assert undeclared == [], f"routes without an authorisation dependency: {undeclared}"


def test_every_api_operation_is_grouped_under_a_tag() -> None:
    schema = _app().openapi()
    untagged = [
        f"{method.upper()} {path}"
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if not op.get("tags")
    ]
    assert untagged == []
