"""Log in and out of the web pages; switch the language."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from telehealth.accounts import service
from telehealth.accounts.deps import CurrentActor, OptionalActor
from telehealth.db import SessionDep
from telehealth.deps import ClockDep, DatabaseDep, SettingsDep, client_ip, request_id
from telehealth.errors import AppError
from telehealth.i18n import LANGUAGES, translate
from web.templating import page_language, render

router = APIRouter()


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: an open redirect would be a phishing tool."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@router.get("/login")
async def login_page(request: Request, actor: OptionalActor, next: str | None = None) -> Response:
    if actor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "auth/login.html", {"next": safe_next(next), "username": ""})


@router.post("/login")
async def login_submit(
    request: Request,
    session: SessionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    lang = page_language(request)
    try:
        issued = await service.login(
            db,
            session,
            settings,
            username=username,
            password=password,
            kind="web",
            now=clock.now(),
            client_ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            request_id=request_id(request),
        )
    except AppError as exc:
        return render(
            request,
            "auth/login.html",
            {"error": translate(exc.key, lang, **exc.params), "username": username,
             "next": safe_next(next)},
            status_code=exc.status_code,
            headers=exc.headers,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        settings.session_cookie_name,
        issued.token,
        max_age=settings.session_ttl_hours * 3600,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


@router.post("/logout")
async def logout(
    actor: CurrentActor, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    await service.logout(session, actor, clock.now())
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(settings.session_cookie_name, path="/")
    return response


@router.get("/lang/{code}")
async def switch_language(code: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response
