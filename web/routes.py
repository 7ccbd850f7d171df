"""Installs every page router and the friendly error page into the app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from web.pages import (
    access_log,
    admin,
    auth,
    booking,
    clinician,
    connectivity,
    consultations,
    home,
    notifications,
    patients,
    quality,
    records,
    regulator,
    sessions,
)
from web.templating import render


def _render_error_page(
    request: Request,
    status_code: int,
    code: str,
    message: str,
    details: Any,
    headers: dict[str, str] | None,
) -> Response:
    return render(
        request,
        "errors/error.html",
        {"status_code": status_code, "code": code, "message": message, "details": details},
        status_code=status_code,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    app.state.render_error_page = _render_error_page
    for module in (
        regulator, access_log,
        home, auth, sessions, patients, booking, notifications, admin, clinician, connectivity,
        consultations, records, quality,
    ):
        app.include_router(module.router, include_in_schema=False)
