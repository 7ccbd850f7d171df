"""Audit API for patients: who accessed my record."""

from __future__ import annotations

from fastapi import APIRouter

from telehealth.accounts.deps import PatientActor
from telehealth.audit.access_log import access_log
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from telehealth.regulator.schemas import AccessLogItem

router = APIRouter(tags=["audit"])


@router.get(
    "/me/access-log",
    response_model=list[AccessLogItem],
    summary="Who accessed my record",
    description="Reads and changes of the calling patient's record by staff, regulators and "
    "the system (their own actions are left out), newest first: when, who, their role and "
    "facility, what they did, the purpose they stated and whether it was allowed.",
    responses={403: {"description": "Only patients"}},
)
async def my_access_log(actor: PatientActor, session: SessionDep,
                        clock: ClockDep) -> list[AccessLogItem]:
    return await access_log(session, actor, clock=clock)
