"""Connection-check API: offer an SDP to the probe peer, report the result, read past checks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from signaling.tools.probe import PROTOCOL_VERSION
from telehealth.connectivity import service
from telehealth.connectivity.deps import CheckerActor, ProbePeersDep
from telehealth.connectivity.schemas import CheckPublic, OfferRequest, OfferResponse, ResultRequest
from telehealth.db import SessionDep
from telehealth.deps import ClockDep

router = APIRouter(prefix="/connectivity", tags=["connection check"])

@router.post(
    "/offer",
    response_model=OfferResponse,
    summary="Start a connection check",
    description="Send a complete WebRTC offer (ICE gathering finished) with the probe's data "
    "channels `probe-ping` (unordered, no retransmits) and `probe-bulk` (reliable), and "
    "optionally the camera and microphone tracks. The server answers with a peer that "
    "echoes pings and media and serves bounded transfer bursts (see "
    "docs/connection-check.md). The peer is closed after `expires_in_seconds`. Starting a "
    "new check closes the caller's previous one.",
    responses={
        400: {"description": "The SDP is not a usable offer (for example no data channel)"},
        401: {"description": "Not logged in"},
        429: {"description": "This server is already running its maximum number of checks; "
              "retry after `Retry-After` seconds"},
    },
)
async def offer(
    body: OfferRequest,
    request: Request,
    actor: CheckerActor,
    session: SessionDep,
    probes: ProbePeersDep,
    clock: ClockDep,
) -> OfferResponse:
    check, started = await service.start_check(
        session,
        actor,
        probes,
        offer_sdp=body.sdp,
        user_agent=request.headers.get("user-agent"),
        now=clock.now(),
    )
    return OfferResponse(
        check_id=check.id,
        sdp=started.answer_sdp,
        expires_in_seconds=probes.timeout_seconds,
        protocol=PROTOCOL_VERSION,
    )


@router.post(
    "/{check_id}/result",
    response_model=CheckPublic,
    summary="Report a check's figures and get the verdict",
    description="The browser's measurements (ping round trips, loss, download rate, what came "
    "back of its media) are stored with the server's own (upload byte count, media "
    "statistics); the server closes the peer and computes the verdict: `video_ok`, "
    "`audio_only` or `not_usable` (thresholds in docs/connection-check.md).",
    responses={
        404: {"description": "No such check of the caller's"},
        409: {"description": "The check's result was already reported"},
    },
)
async def report_result(
    check_id: uuid.UUID,
    body: ResultRequest,
    actor: CheckerActor,
    session: SessionDep,
    probes: ProbePeersDep,
    clock: ClockDep,
) -> CheckPublic:
    check = await service.record_result(session, actor, probes, check_id, body, clock.now())
    return CheckPublic.model_validate(check)


@router.get(
    "/checks",
    response_model=list[CheckPublic],
    summary="Past connection checks",
    description="Newest first. The caller's own checks; a facility admin sees every check "
    "run by the facility's staff.",
)
async def list_checks(
    actor: CheckerActor,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[CheckPublic]:
    checks = await service.list_checks(session, actor, limit=limit)
    return [CheckPublic.model_validate(c) for c in checks]


@router.get(
    "/checks/{check_id}",
    response_model=CheckPublic,
    summary="One connection check",
    responses={404: {"description": "No such check, or not visible to the caller"}},
)
async def read_check(check_id: uuid.UUID, actor: CheckerActor, session: SessionDep) -> CheckPublic:
    return CheckPublic.model_validate(await service.get_check(session, actor, check_id))
