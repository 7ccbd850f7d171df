"""Request metrics and the request id in logs, as pure ASGI middleware (no extra task).

It runs inside RequestContextMiddleware, so the request id is already in the scope. The
route label is the matched route's template (`/api/v1/consultations/{consultation_id}`),
never the raw path; unmatched paths share one label so a scanner cannot create series.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telehealth.observability.logs import request_id_var
from telehealth.observability.metrics import http_request_duration

access_log = logging.getLogger("telehealth.access")
UNMATCHED = "<unmatched>"


def route_template(scope: Scope) -> str:
    # FastAPI resolves included routers lazily: the matched route's own `path` lacks the
    # routers' prefixes, the effective route context has the full template.
    effective = (scope.get("fastapi") or {}).get("effective_route_context")
    path = getattr(effective, "path_format", None)
    if isinstance(path, str):
        return path
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    # Mounted apps (static files) have no route object: label them by their mount path.
    root = scope.get("root_path") or ""
    app_root = scope.get("app_root_path") or ""
    mount = root[len(app_root):] if root.startswith(app_root) else root
    return mount or UNMATCHED


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, access_log_enabled: bool = False) -> None:
        self.app = app
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = request_id_var.set(scope.get("state", {}).get("request_id"))
        try:
            if scope["type"] == "websocket":
                # Sockets live for a whole call: counted by the signaling gauges, not timed.
                await self.app(scope, receive, send)
                return
            await self._timed(scope, receive, send)
        finally:
            request_id_var.reset(token)

    async def _timed(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # an exception that escapes the handlers becomes a 500 further out

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            http_request_duration.labels(scope["method"], route, str(status)).observe(elapsed)
            if self.access_log_enabled:
                access_log.info(
                    "%s %s %d", scope["method"], route, status,
                    extra={"method": scope["method"], "route": route, "status": status,
                           "duration_ms": round(elapsed * 1000, 2)},
                )
