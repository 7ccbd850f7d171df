"""Auditing refusals: permission failures and rejected credentials, from the error handler.

The request's transaction has rolled back by the time the event is written (the session
dependency exits first), so it goes in a transaction of its own; on SQLite that rollback
has also released the write lock the new transaction needs. The event is built before the
handler's first await, while the caller's loaded objects (the actor's user) are usable.
"""

from __future__ import annotations

import logging

from fastapi import Request

from telehealth.audit.sealing import enqueue
from telehealth.audit.service import build_event
from telehealth.errors import AppError, Forbidden, NotFound, Unauthorized
from telehealth.models import AuditEvent

log = logging.getLogger(__name__)


def _presented_credentials(request: Request) -> bool:
    if request.headers.get("authorization"):
        return True
    settings = getattr(request.app.state, "settings", None)
    return bool(settings and request.cookies.get(settings.session_cookie_name))


def denial_event(request: Request, exc: AppError) -> AuditEvent | None:
    """The event for a 403, a 404 given to a logged-in caller (existence hidden by scope) or
    a 401 for credentials that were presented but refused; None for anything else
    (anonymous 401s and 404s refuse nobody anything)."""
    actor = getattr(request.state, "actor", None)
    if isinstance(exc, Unauthorized):
        if actor is None and not _presented_credentials(request):
            return None
    elif not isinstance(exc, Forbidden | NotFound) or actor is None:
        return None
    try:
        return build_event(
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
        log.exception("could not build the audit event of a denied request")
        return None


async def record_denial(request: Request, event: AuditEvent | None) -> None:
    """Write the denial's event in its own transaction."""
    if event is None:
        return
    try:
        async for session in request.app.state.db.transaction():
            enqueue(session.sync_session, event)
    except Exception:  # the refusal itself must still reach the caller
        log.exception("could not record a denied request in the audit log")
