"""Accounts API: bearer tokens for API clients, logout, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from telehealth.accounts import service
from telehealth.accounts.deps import CurrentActor
from telehealth.accounts.schemas import TokenRequest, TokenResponse, UserPublic
from telehealth.db import SessionDep
from telehealth.deps import ClockDep, DatabaseDep, SettingsDep, client_ip, request_id

router = APIRouter(prefix="/auth", tags=["accounts"])


@router.post(
    "/token",
    response_model=TokenResponse,
    summary="Log in and get a bearer token",
    description="Exchange a username and password for a bearer token for the JSON API. "
    "Repeated failures lock the username for a while (429 with Retry-After).",
    responses={
        401: {"description": "Wrong username or password"},
        429: {"description": "Too many failed attempts"},
    },
)
async def issue_token(
    body: TokenRequest,
    request: Request,
    session: SessionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> TokenResponse:
    issued = await service.login(
        db,
        session,
        settings,
        username=body.username,
        password=body.password,
        kind="api",
        now=clock.now(),
        client_ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        request_id=request_id(request),
    )
    return TokenResponse(
        access_token=issued.token,
        expires_at=issued.expires_at,
        user=UserPublic.model_validate(issued.user),
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke this token")
async def revoke_token(actor: CurrentActor, session: SessionDep, clock: ClockDep) -> None:
    await service.logout(session, actor, clock.now())


me_router = APIRouter(tags=["accounts"])


@me_router.get("/me", response_model=UserPublic, summary="The calling user")
async def read_me(actor: CurrentActor) -> UserPublic:
    return UserPublic.model_validate(actor.user)
