"""Schedule API: a facility admin's rules, exceptions and conflicts; a clinician's agenda."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from telehealth.accounts.deps import ClinicianActor, FacilityAdminActor
from telehealth.db import SessionDep
from telehealth.scheduling import admin
from telehealth.scheduling.agenda import read_agenda
from telehealth.scheduling.deps import ScheduleEnvDep
from telehealth.scheduling.schemas import (
    Agenda,
    ExceptionChange,
    ExceptionIn,
    ExceptionPublic,
    RuleChange,
    RuleIn,
    RulePublic,
    SyncReport,
)

admin_router = APIRouter(prefix="/admin", tags=["facility admin"])
clinician_router = APIRouter(prefix="/clinicians", tags=["clinician"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Only a facility admin may call this"},
    404: {"description": "Not found in your facility"},
}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid or overlapping rule; nothing was stored"}
}


@admin_router.get(
    "/practitioners/{practitioner_id}/rules",
    response_model=list[RulePublic],
    summary="Weekly schedule rules of a practitioner",
    responses=_ERRORS,
)
async def list_rules(
    practitioner_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep
) -> list[RulePublic]:
    rules = await admin.list_rules(session, actor, practitioner_id)
    return [RulePublic.model_validate(r) for r in rules]


@admin_router.post(
    "/practitioners/{practitioner_id}/rules",
    response_model=RuleChange,
    status_code=201,
    summary="Add a weekly schedule rule",
    description="Times are Vietnam local time. The window must be a whole number of slots and "
    "must not overlap another rule of the practitioner on the same weekday. Slots are "
    "materialised at once; the answer says how many were created.",
    responses={**_ERRORS, **_INVALID},
)
async def create_rule(
    practitioner_id: uuid.UUID,
    body: RuleIn,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> RuleChange:
    rule, result = await admin.create_rule(session, actor, practitioner_id, body, env)
    return RuleChange(
        rule=RulePublic.model_validate(rule), sync=await admin.report(session, result)
    )


@admin_router.put(
    "/rules/{rule_id}",
    response_model=RuleChange,
    summary="Change a weekly schedule rule",
    description="Free future slots that no longer match are withdrawn and new ones created. "
    "Booked visits are never moved: those the new rule does not cover come back as conflicts, "
    "and the practitioner is notified.",
    responses={**_ERRORS, **_INVALID},
)
async def update_rule(
    rule_id: uuid.UUID,
    body: RuleIn,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> RuleChange:
    rule, result = await admin.update_rule(session, actor, rule_id, body, env)
    return RuleChange(
        rule=RulePublic.model_validate(rule), sync=await admin.report(session, result)
    )


@admin_router.delete(
    "/rules/{rule_id}",
    response_model=SyncReport,
    summary="Remove a weekly schedule rule",
    description="Withdraws the rule's free future slots; booked visits become conflicts.",
    responses=_ERRORS,
)
async def delete_rule(
    rule_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> SyncReport:
    return await admin.report(session, await admin.delete_rule(session, actor, rule_id, env))


@admin_router.get(
    "/exceptions",
    response_model=list[ExceptionPublic],
    summary="Current and future leave and holidays",
    responses=_ERRORS,
)
async def list_exceptions(
    actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> list[ExceptionPublic]:
    items = await admin.list_exceptions(session, actor, env.now)
    return [ExceptionPublic.model_validate(e) for e in items]


@admin_router.post(
    "/exceptions",
    response_model=ExceptionChange,
    status_code=201,
    summary="Add leave or a holiday",
    description="`leave` needs a practitioner; `holiday` applies to the whole facility. Slots "
    "in the period are withdrawn; booked visits in it come back as conflicts.",
    responses={**_ERRORS, 422: {"description": "Invalid period; nothing was stored"}},
)
async def create_exception(
    body: ExceptionIn, actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> ExceptionChange:
    exception, result = await admin.create_exception(session, actor, body, env)
    return ExceptionChange(
        exception=ExceptionPublic.model_validate(exception),
        sync=await admin.report(session, result),
    )


@admin_router.delete(
    "/exceptions/{exception_id}",
    response_model=SyncReport,
    summary="Remove leave or a holiday",
    description="The slots of the period are offered again.",
    responses=_ERRORS,
)
async def delete_exception(
    exception_id: uuid.UUID, actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> SyncReport:
    result = await admin.delete_exception(session, actor, exception_id, env)
    return await admin.report(session, result)


@admin_router.get(
    "/conflicts",
    response_model=SyncReport,
    summary="Booked visits the schedule no longer covers",
    description="Visits whose slot was kept against a schedule change, leave or deactivation. "
    "Call the patient and move or cancel the visit; it then disappears from this list.",
    responses=_ERRORS,
)
async def list_conflicts(
    actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> SyncReport:
    return await admin.report(session, await admin.facility_conflicts(session, actor, env))


@clinician_router.get(
    "/me/agenda",
    response_model=Agenda,
    response_model_by_alias=True,
    summary="My agenda",
    description="The calling clinician's slots from `from` to `to` (Vietnam dates, both "
    "included, at most 31 days), each with its booked visit: patient name, mode and reason. "
    "Reading the patients' names is recorded in the audit log.",
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "Only clinicians have an agenda"},
        404: {"description": "The account has no practitioner profile"},
        422: {"description": "Invalid range"},
    },
)
async def my_agenda(
    actor: ClinicianActor,
    session: SessionDep,
    from_date: Annotated[date, Query(alias="from", examples=["2026-11-23"])],
    to_date: Annotated[date, Query(alias="to", examples=["2026-11-29"])],
) -> Agenda:
    return await read_agenda(session, actor, from_date, to_date)
