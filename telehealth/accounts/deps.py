"""Who is calling: the Actor of a request, from a bearer token or the web session cookie."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from telehealth.accounts import repository, service
from telehealth.accounts.context import Actor
from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import SessionDep
from telehealth.deps import client_ip, request_id
from telehealth.errors import Forbidden, Unauthorized
from telehealth.i18n import pick_language
from telehealth.models import Role

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"


async def _csrf_ok(request: Request, expected: str | None) -> bool:
    if request.method in SAFE_METHODS:
        return True
    if not expected:
        return False
    if request.headers.get(CSRF_HEADER) == expected:
        return True
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it for the route's own Form fields
        return form.get("csrf_token") == expected
    return False


async def optional_actor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor | None:
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    # Settings and clock straight from the app (what SettingsDep and ClockDep give): every
    # sub-dependency costs FastAPI ~30 µs to solve per request (measured), and this one runs
    # on every authenticated request.
    settings: Settings = request.app.state.settings
    clock: Clock = request.app.state.clock
    if credentials is not None:
        token, kind = credentials.credentials, "api"
    else:
        token, kind = request.cookies.get(settings.session_cookie_name, ""), "web"
    if not token:
        return None
    resolved = await service.resolve(session, token, clock.now())
    if resolved is None:
        if kind == "api":
            raise Unauthorized("errors.bad_token", headers={"WWW-Authenticate": "Bearer"})
        return None
    auth, province = resolved
    if auth.kind != kind:
        # A web session cookie is not a bearer token and vice versa.
        raise Unauthorized("errors.bad_token")
    if kind == "web" and not await _csrf_ok(request, auth.csrf_token):
        raise Forbidden("errors.csrf")
    user = auth.user
    lang = pick_language(
        request.query_params.get("lang"),
        request.cookies.get("lang") or user["locale"],
        request.headers.get("accept-language") if kind == "api" else None,
    )
    actor = Actor(
        user_id=user["id"],
        role=Role(user["role"]),
        facility_id=user["facility_id"],
        province_code=province,
        request_id=request_id(request),
        client_ip=client_ip(request),
        auth_kind=kind,
        lang=lang,
        session_id=auth.id,
        display_name=user["full_name"],
        locale=user["locale"],
        email=user["email"],
        load_user=partial(repository.user_entity, session, user),
    )
    request.state.actor = actor
    request.state.csrf_token = auth.csrf_token
    return actor


def _signed_in(actor: Actor | None) -> Actor:
    if actor is None:
        raise Unauthorized("errors.login_required", headers={"WWW-Authenticate": "Bearer"})
    return actor


async def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    return _signed_in(actor)


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Actor]]:
    """A dependency that lets only the given roles through (403 for the others)."""

    async def dependency(actor: OptionalActor) -> Actor:
        # OptionalActor, not CurrentActor: one dependency less to solve on every request.
        actor = _signed_in(actor)
        if actor.role not in roles:
            raise Forbidden("errors.role_required")
        return actor

    dependency.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return dependency


PatientActor = Annotated[Actor, Depends(require_roles(Role.patient))]
ClinicianActor = Annotated[Actor, Depends(require_roles(Role.clinician))]
StaffActor = Annotated[Actor, Depends(require_roles(Role.clinician, Role.facility_admin))]
FacilityAdminActor = Annotated[Actor, Depends(require_roles(Role.facility_admin))]
RegulatorActor = Annotated[Actor, Depends(require_roles(Role.regulator))]
SystemAdminActor = Annotated[Actor, Depends(require_roles(Role.system_admin))]
