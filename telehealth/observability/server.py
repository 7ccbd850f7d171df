"""`/metrics` and `/healthz` for `telehealth worker`, which serves no other HTTP.

The delivery worker's job runs and failures live in its own process, so Prometheus
scrapes it directly (same bearer token as the app).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from telehealth import error_handlers
from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.observability.endpoint import router


def metrics_app(settings: Settings, db: Database, clock: Clock) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings, app.state.db, app.state.clock = settings, db, clock
    error_handlers.install(app)
    app.include_router(router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


class _WorkerSideServer(uvicorn.Server):
    """uvicorn without its signal handlers: the worker handles SIGTERM and stops us."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class MetricsServer:
    def __init__(
        self, settings: Settings, db: Database, clock: Clock, *, port: int, host: str = "0.0.0.0"
    ) -> None:
        config = uvicorn.Config(metrics_app(settings, db, clock), host=host, port=port,
                                log_level="warning", access_log=False, lifespan="off")
        self._server = _WorkerSideServer(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="worker:metrics")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # re-raise why it could not start (port taken)
                raise RuntimeError("metrics server stopped before starting")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
