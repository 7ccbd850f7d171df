"""One place that turns errors into responses: JSON for the API, a friendly page for the web."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from telehealth.audit.denials import denial_event, record_denial
from telehealth.errors import AppError, Unauthorized
from telehealth.i18n import pick_language, translate

log = logging.getLogger("telehealth.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/healthz", "/readyz", "/metrics", "/ws/")):
        return True
    return "text/html" not in request.headers.get("accept", "text/html")


def request_language(request: Request) -> str:
    actor = getattr(request.state, "actor", None)
    if actor is not None:
        return str(actor.lang)
    if wants_json(request):
        return pick_language(None, None, request.headers.get("accept-language"))
    return pick_language(request.query_params.get("lang"), request.cookies.get("lang"), None)


def error_response(
    request: Request,
    status_code: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    rid = getattr(request.state, "request_id", None)
    if wants_json(request):
        body = {"error": {"code": code, "message": message, "details": details, "request_id": rid}}
        return JSONResponse(body, status_code=status_code, headers=headers)
    render = getattr(request.app.state, "render_error_page", None)
    if render is None:
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status_code)
    return render(request, status_code, code, message, details, headers)  # type: ignore[no-any-return]


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    # Permission failures are audited (telehealth.audit.denials): the event and the page are
    # both made before the first await, while the caller's loaded objects are still usable.
    denial = denial_event(request, exc)
    response = _app_error_response(request, exc)
    await record_denial(request, denial)
    return response


def _app_error_response(request: Request, exc: AppError) -> Response:
    if isinstance(exc, Unauthorized) and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    lang = request_language(request)
    message = translate(exc.key, lang, **exc.params)
    return error_response(request, exc.status_code, exc.code, message, exc.details, exc.headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        fields.append(
            {"field": ".".join(loc), "message": err.get("msg", ""), "type": err.get("type")}
        )
    return fields


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    lang = request_language(request)
    return error_response(
        request,
        422,
        "validation_error",
        translate("errors.validation_error", lang),
        _field_errors(exc),
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    lang = request_language(request)
    message = translate(f"errors.{code}", lang)
    headers = getattr(exc, "headers", None)
    return error_response(request, exc.status_code, code, message, None, headers)


# The database or Redis is unreachable, restarting, or the pool is exhausted: the request
# did nothing (its transaction rolled back), so say "try again" instead of a 500 and a
# traceback per request. The app needs no restart: the pool reconnects (pre-ping).
OUTAGES: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
)
RETRY_AFTER_SECONDS = "5"


async def _unavailable(request: Request, exc: Exception) -> Response:
    log.warning(
        "dependency unavailable: %s",
        type(exc).__name__,
        extra={"request_id": getattr(request.state, "request_id", None)},
    )
    lang = request_language(request)
    return error_response(
        request,
        503,
        "service_unavailable",
        translate("errors.service_unavailable", lang),
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception(
        "unhandled error", extra={"request_id": getattr(request.state, "request_id", None)}
    )
    lang = request_language(request)
    return error_response(request, 500, "internal_error", translate("errors.internal_error", lang))


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for outage in OUTAGES:
        app.add_exception_handler(outage, _unavailable)
    app.add_exception_handler(Exception, _unexpected)
