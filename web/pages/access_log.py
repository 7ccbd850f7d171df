"""The patient's page: who accessed my record."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from telehealth.accounts.deps import PatientActor
from telehealth.audit.access_log import access_log
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from web.templating import render

router = APIRouter()


@router.get("/access-log")
async def access_log_page(request: Request, actor: PatientActor, session: SessionDep,
                          clock: ClockDep) -> Response:
    items = await access_log(session, actor, clock=clock)
    return render(request, "access_log/page.html", {"items": items})
