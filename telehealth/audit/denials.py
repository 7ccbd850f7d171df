"""Auditing refusals: permission failures and rejected credentials, from the error handler.

The request's transaction has rolled back by the time the handler runs (the session
dependency exits first), so the event is written in a transaction of its own; on SQLite
that rollback has also released the write lock the new transaction needs.
"""

from __future__ import annotations

import logging

from fastapi import Request

from telehealth.audit.service import record_now
from telehealth.errors import AppError, Forbidden, NotFound, Unauthorized

log = logging.getLogger(__name__)


def _presented_credentials(request: Request) -> bool:
    if request.headers.get("authorization"):
        return True
    settings = getattr(request.app.state, "settings", None)
    return bool(settings and request.cookies.get(settings.session_cookie_name))


async def record_denial(request: Request, exc: AppError) -> None:
    """Record a 403, a 404 given to a logged-in caller (existence hidden by scope) or a 401
    for credentials that were presented but refused. Anonymous 401s and 404s are not
    audited: nobody was refused anything."""
    actor = getattr(request.state, "actor", None)
    if isinstance(exc, Unauthorized):
        if actor is None and not _presented_credentials(request):
            return
    elif not isinstance(exc, Forbidden | NotFound) or actor is None:
        return
    try:
        await record_now(
            request.app.state.db,
            actor,
            "access.denied" if actor is not None else "auth.rejected",
            outcome="failure" if isinstance(exc, Unauthorized) else "denied",
            detail={
                "status": exc.status_code,
                "code": exc.code,
                "reason": exc.key,
                "method": request.method,
                # The path only: query strings may carry search terms.
                "path": request.url.path,
                "params": {k: str(v) for k, v in request.path_params.items()},
            },
            clock=request.app.state.clock,
            request_id=getattr(request.state, "request_id", None),
            client_ip=request.client.host if request.client else None,
        )
    except Exception:  # the refusal itself must still reach the caller
        log.exception("could not record a denied request in the audit log")
