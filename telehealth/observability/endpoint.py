"""`GET /metrics` for Prometheus, and wiring the metrics into the app.

The endpoint is protected by a bearer token (`TELEHEALTH_METRICS_TOKEN`): metrics name
routes, volumes and backlogs an outsider has no business seeing. Without a token it is
open only in development; elsewhere it answers 403 until a token is configured.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from telehealth.config import Settings
from telehealth.errors import Forbidden, Unauthorized
from telehealth.observability import multiproc
from telehealth.observability.collectors import FiguresCollector, read_figures
from telehealth.observability.middleware import ObservabilityMiddleware
from telehealth.observability.probes import Sampler

router = APIRouter(tags=["operations"])


def _authorise(request: Request, settings: Settings) -> None:
    token = settings.metrics_token
    if token is None:
        if settings.environment == "development":
            return
        raise Forbidden(code="metrics_disabled")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized(headers={"WWW-Authenticate": "Bearer"})


def process_metrics() -> bytes:
    """This process's metrics, or every worker's added up in multiprocess mode."""
    if not multiproc.enabled():
        return generate_latest(REGISTRY)
    multiproc.forget_dead_workers()
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return generate_latest(registry)


@router.get(
    "/metrics",
    summary="Prometheus metrics (bearer TELEHEALTH_METRICS_TOKEN)",
    response_class=Response,
    responses={401: {"description": "Missing or wrong bearer token"},
               403: {"description": "No metrics token configured outside development"}},
)
async def metrics(request: Request) -> Response:
    app = request.app
    _authorise(request, app.state.settings)
    figures = await read_figures(app.state.db, app.state.clock.now())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FiguresCollector(figures))
    body = process_metrics() + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the request middleware and `/metrics`. Call before RequestContextMiddleware is
    added, so this middleware runs inside it and sees the request id."""
    app.add_middleware(ObservabilityMiddleware, access_log_enabled=settings.log_format == "json")
    app.include_router(router)


def start_sampler(app: FastAPI, bus: object) -> Sampler:
    """Called in the lifespan once live sessions run: gauges and the bus probe."""
    live = getattr(app.state, "live_sessions", None)

    def counts() -> tuple[int, int]:
        assert live is not None
        service = live.service
        return service.connection_count, service.room_count

    sampler = Sampler(bus, counts if live is not None else None)
    sampler.start()
    return sampler
