"""The landing page: what a visitor can do, and each role's starting points once logged in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from telehealth.accounts.deps import OptionalActor
from web.templating import render

router = APIRouter()


@router.get("/")
async def home(request: Request, actor: OptionalActor) -> Response:
    return render(request, "home.html")
