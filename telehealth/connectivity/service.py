"""Connection checks: start one against this process's probe peer, record the result, list them.

Connection checks are about a station's network, not about patients, so they are scoped
(own results; a facility admin sees the facility's) but not written to the audit trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.connectivity import repository
from telehealth.connectivity.peers import ProbePeers, StartedProbe
from telehealth.connectivity.schemas import ResultRequest
from telehealth.connectivity.verdict import judge
from telehealth.errors import Conflict, NotFound
from telehealth.ids import new_id
from telehealth.models import ConnectionCheck, Role

USER_AGENT_CHARS = 255


@dataclass(frozen=True, slots=True)
class Figures:
    """The four figures a verdict is made of, each from the side that measured it best."""

    rtt_ms: float | None
    loss_percent: float | None
    upload_kbps: float | None
    download_kbps: float | None

    @property
    def bitrate_kbps(self) -> float | None:
        # A call needs both directions, so the slower one is what it can use; a direction
        # that was never measured is not assumed to be fine.
        if self.upload_kbps is None or self.download_kbps is None:
            return None
        return min(self.upload_kbps, self.download_kbps)


def combine(body: ResultRequest, server: dict[str, Any]) -> Figures:
    """Round trip and download from the browser; upload from the server's own byte count."""
    loss = None
    if body.pings_sent > 0:
        loss = round((body.pings_sent - body.pings_received) / body.pings_sent * 100, 2)
    server_upload = server.get("upload_kbps")
    upload = server_upload if isinstance(server_upload, int | float) else body.upload_kbps
    return Figures(
        rtt_ms=body.rtt_ms if body.pings_received > 0 else None,
        loss_percent=loss,
        upload_kbps=upload,
        download_kbps=body.download_kbps,
    )


async def start_check(
    session: AsyncSession,
    actor: Actor,
    probes: ProbePeers,
    *,
    offer_sdp: str,
    user_agent: str | None,
    now: datetime,
) -> tuple[ConnectionCheck, StartedProbe]:
    check_id = new_id()
    # Negotiate before writing: on SQLite the first write takes the database's only write
    # lock, and ICE gathering may take seconds.
    started = await probes.start(check_id, actor.user_id, offer_sdp)
    check = ConnectionCheck(
        id=check_id,
        user_id=actor.user_id,
        facility_id=actor.facility_id,
        started_at=now,
        user_agent=(user_agent or "")[:USER_AGENT_CHARS] or None,
        with_audio="audio" in started.kinds,
        with_video="video" in started.kinds,
    )
    repository.add(session, check)
    try:
        await session.flush()
    except BaseException:
        await probes.finish(check_id)
        raise
    return check, started


async def record_result(
    session: AsyncSession,
    actor: Actor,
    probes: ProbePeers,
    check_id: uuid.UUID,
    body: ResultRequest,
    now: datetime,
) -> ConnectionCheck:
    """Store the browser's figures with the server's, and the verdict computed here."""
    check = await repository.get_for_update(session, check_id)
    # Only the user who ran the check reports it; anyone else learns nothing about it.
    if check is None or check.user_id != actor.user_id:
        raise NotFound("connectivity.errors.not_found")
    if check.finished_at is not None:
        raise Conflict("connectivity.errors.already_reported")
    server = await probes.finish(check_id) or {}
    figures = combine(body, server)
    check.finished_at = now
    check.rtt_ms = figures.rtt_ms
    check.loss_percent = figures.loss_percent
    check.upload_kbps = figures.upload_kbps
    check.download_kbps = figures.download_kbps
    check.bitrate_kbps = figures.bitrate_kbps
    check.failure = body.failure
    check.verdict = judge(figures.rtt_ms, figures.loss_percent, figures.bitrate_kbps, body.failure)
    check.client_figures = body.model_dump(mode="json")
    check.server_figures = server
    await session.flush()
    return check


def _scope(actor: Actor) -> dict[str, uuid.UUID]:
    if actor.role is Role.facility_admin and actor.facility_id is not None:
        return {"facility_id": actor.facility_id}
    return {"user_id": actor.user_id}


async def list_checks(
    session: AsyncSession, actor: Actor, *, limit: int = 50
) -> Sequence[ConnectionCheck]:
    """The caller's own checks; a facility admin's view is every check run at the facility."""
    return await repository.list_recent(session, limit=limit, **_scope(actor))


async def recent_for_page(
    session: AsyncSession, actor: Actor, *, limit: int = 10
) -> list[tuple[ConnectionCheck, str]]:
    """The page's history table: the same scope as `list_checks`, with who ran each check."""
    return await repository.list_recent_with_names(session, limit=limit, **_scope(actor))


async def get_check(session: AsyncSession, actor: Actor, check_id: uuid.UUID) -> ConnectionCheck:
    check = await repository.get(session, check_id)
    if check is None:
        raise NotFound("connectivity.errors.not_found")
    scope = _scope(actor)
    if ("facility_id" in scope and check.facility_id != scope["facility_id"]) or (
        "user_id" in scope and check.user_id != scope["user_id"]
    ):
        raise NotFound("connectivity.errors.not_found")
    return check
