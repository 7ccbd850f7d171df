"""The JSON API under /api/v1: every domain's router, in one list."""

from __future__ import annotations

from fastapi import APIRouter

from telehealth.accounts.endpoints import me_router
from telehealth.accounts.endpoints import router as accounts_router


def build_api_router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    api.include_router(accounts_router)
    api.include_router(me_router)
    return api
