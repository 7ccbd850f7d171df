"""Dependencies shared by every domain: settings, clock, database, bus, request facts.

They are `async def` on purpose: FastAPI runs a plain `def` dependency in the thread pool,
a hop that costs more than the attribute read itself on every request.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import Database


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


async def _database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


async def _bus(request: Request) -> Any:
    return request.app.state.bus


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
DatabaseDep = Annotated[Database, Depends(_database)]
BusDep = Annotated[Any, Depends(_bus)]


def client_ip(request: Request) -> str | None:
    # Behind the proxy in deploy/ uvicorn's --proxy-headers already resolved X-Forwarded-For.
    return request.client.host if request.client else None


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)
