"""The application factory: the composition root that wires domains, web pages and signaling."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from telehealth import error_handlers
from telehealth.api import include_api
from telehealth.bus import create_bus
from telehealth.clock import Clock, SystemClock
from telehealth.config import Settings
from telehealth.connectivity.peers import ProbePeers
from telehealth.db import Database
from telehealth.http import RequestContextMiddleware
from telehealth.jobs import JobContext, JobRunner, registered_jobs
from telehealth.observability import endpoint as observability
from telehealth.sessions.runtime import install_live_sessions, start_live_sessions

log = logging.getLogger(__name__)

API_DESCRIPTION = """
VTelehealth's JSON API: online booking, remote consultations between facilities,
live sessions, encounter summaries and audit, for Vietnam's public health system.

**Authentication.** `POST /api/v1/auth/token` with a username and password gives a
bearer token; send it as `Authorization: Bearer <token>`. Web pages use a session cookie
instead (and a CSRF token on every form).

**Errors.** Every failure has one shape:
`{"error": {"code": "slot_taken", "message": "…", "details": …, "request_id": "…"}}`.
Messages are in Vietnamese unless `Accept-Language: en` is sent.

**Time.** Instants are RFC 3339 in UTC; pages show them in Asia/Ho_Chi_Minh.
"""


def settle_garbage_collector() -> None:
    """Keep the cyclic collector's pauses out of request latency in a serving process.

    After startup the process holds hundreds of thousands of long-lived objects (routes,
    models, SQLAlchemy and pydantic metadata, translations): every full collection walked
    them all, a pause of tens of ms that landed on whichever requests were in flight.
    Freezing them moves them out of the collector's sight for good, and a higher
    young-generation threshold collects per-request garbage in fewer, equally short passes.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings)
        bus = create_bus(settings)
        app.state.db = db
        app.state.bus = bus
        # Connection-check peers: every one still open is closed before the loop goes away.
        probes = app.state.connection_probes = ProbePeers.from_settings(settings)
        jobs = registered_jobs() if settings.run_background_tasks else []
        runner = JobRunner(JobContext(db, settings, clock, bus), jobs)
        runner.start()
        live = await start_live_sessions(app, db, bus, clock)
        sampler = observability.start_sampler(app, bus)
        if settings.is_production:
            settle_garbage_collector()
        try:
            yield
        finally:
            await sampler.stop()
            await probes.close_all()
            await runner.stop()
            await live.stop()
            await bus.close()
            await db.dispose()

    app = FastAPI(
        title="VTelehealth API",
        version="1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.clock = clock
    error_handlers.install(app)
    observability.install(app, settings)  # before RequestContextMiddleware: runs inside it
    app.add_middleware(RequestContextMiddleware)

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Readiness: database and bus reachable")
    async def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with app.state.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports, it does not raise
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            await app.state.bus.publish("health", {"probe": "readyz"})
            # Publishing works as soon as Redis is back; receiving needs this worker's
            # subscriptions re-made (with backoff), else relays to its sockets are lost.
            lost = app.state.bus.lost_subscriptions
            checks["bus"] = "ok" if not lost else f"error: {lost} subscription(s) being restored"
        except Exception as exc:
            checks["bus"] = f"error: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks},
                            status_code=200 if ready else 503)

    from web import routes as web_routes

    # Routes are matched in order, and each included router costs microseconds to try:
    # static files first (one prefix test), then the API, then the pages.
    static_dir = Path(web_routes.__file__).resolve().parent / "static"
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    include_api(app)
    install_live_sessions(app, settings)
    web_routes.install(app)
    return app
