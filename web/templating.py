"""The Jinja2 environment: translation, local time and CSRF helpers for every template."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from telehealth.clock import to_local
from telehealth.i18n import pick_language, translate
from web.nav import nav_for

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=TEMPLATE_DIR)

WEEKDAYS = {
    "vi": ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


def page_language(request: Request) -> str:
    actor = getattr(request.state, "actor", None)
    if (
        actor is not None
        and not request.query_params.get("lang")
        and not request.cookies.get("lang")
    ):
        return str(actor.lang)
    return pick_language(request.query_params.get("lang"), request.cookies.get("lang"), None)


def _local(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    if value is None:
        return ""
    return to_local(value).strftime(fmt)


def _weekday(value: date | datetime, lang: str = "vi") -> str:
    if isinstance(value, datetime):
        value = to_local(value)
    return WEEKDAYS.get(lang, WEEKDAYS["vi"])[value.weekday()]


templates.env.filters["local"] = _local
templates.env.filters["weekday"] = _weekday
templates.env.globals["translate"] = translate


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = page_language(request)
    ctx: dict[str, Any] = {
        "lang": lang,
        "t": lambda key, **params: translate(key, lang, **params),
        "actor": getattr(request.state, "actor", None),
        "csrf_token": getattr(request.state, "csrf_token", None) or "",
        "current_path": request.url.path,
        "nav": nav_for(actor.role if (actor := getattr(request.state, "actor", None)) else None),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(
        request, template, ctx, status_code=status_code, headers=headers
    )
