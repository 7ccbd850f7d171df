"""Facility admin pages: practitioners, specialties, booking rules, weekly schedules, leave.

Every POST re-renders its page with the error, in the user's language, and the values
entered, on a refused change (4xx, nothing stored); success redirects back with a notice.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.accounts.deps import FacilityAdminActor
from telehealth.clock import VN_TZ
from telehealth.db import SessionDep
from telehealth.deps import ClockDep, SettingsDep
from telehealth.errors import AppError, ValidationFailed
from telehealth.facilities import admin_service
from telehealth.facilities.admin_schemas import BookingRules
from telehealth.i18n import translate
from telehealth.models import SlotMode
from telehealth.practitioners import service as practitioners
from telehealth.practitioners.schemas import PractitionerCreate, PractitionerProfile
from telehealth.scheduling import admin as schedules
from telehealth.scheduling.deps import ScheduleEnvDep
from telehealth.scheduling.expand import local_today
from telehealth.scheduling.schemas import ExceptionIn, RuleIn
from telehealth.scheduling.service import ScheduleEnv
from web.templating import page_language, render

router = APIRouter(prefix="/admin/facility")
M = TypeVar("M", bound=BaseModel)
BASE = "/admin/facility"


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
    if "specialty_ids" in form:
        data["specialty_ids"] = form.getlist("specialty_ids")
    return data


def _parse(model: type[M], data: dict[str, Any]) -> M:
    """Form strings → the API's schema; the first bad field becomes a translated message."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "?"
        raise ValidationFailed("admin.errors.invalid_field", field=f"admin.fields.{field}") from exc


def _flash(request: Request) -> str | None:
    key = request.query_params.get("ok")
    return translate(f"admin.flash.{key}", page_language(request)) if key else None


async def _overview(session: AsyncSession, actor: Actor, env: ScheduleEnv) -> dict[str, Any]:
    conflicts = await schedules.report(
        session, await schedules.facility_conflicts(session, actor, env)
    )
    team = await practitioners.list_practitioners(session, actor)
    return {
        "facility": await admin_service.read_facility(session, actor),
        "specialties": await admin_service.list_specialties(session, actor),
        "practitioners": team,
        "names": {p.id: p.full_name for p in team},
        "exceptions": await schedules.list_exceptions(session, actor, env.now),
        "conflicts": conflicts.conflicts,
        "today": local_today(env.now).isoformat(),
    }


async def _failed(
    request: Request,
    session: AsyncSession,
    exc: AppError,
    template: str,
    context: dict[str, Any],
) -> Response:
    message = translate(exc.key, page_language(request), **exc.params)
    if exc.key == "admin.errors.invalid_field":
        field = translate(str(exc.params["field"]), page_language(request))
        message = translate(exc.key, page_language(request), field=field)
    return render(request, template, {**context, "error": message}, status_code=exc.status_code)


async def _attempt(session: AsyncSession, action: Any, data: dict[str, Any]) -> Any:
    """Run a change in a SAVEPOINT: a refused change leaves nothing behind, while the
    caller's objects (the logged-in user shown in the page header) stay loaded."""
    savepoint = await session.begin_nested()
    try:
        result = await action(data)
    except BaseException:
        await savepoint.rollback()
        raise
    await savepoint.commit()
    return result


@router.get("")
async def overview(
    request: Request, actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> Response:
    ctx = await _overview(session, actor, env)
    return render(request, "admin/facility.html", {**ctx, "flash": _flash(request), "form": {}})


async def _overview_action(
    request: Request, actor: Actor, session: AsyncSession, env: ScheduleEnv, action: Any, ok: str
) -> Response:
    data = await _form(request)
    try:
        await _attempt(session, action, data)
    except AppError as exc:
        ctx = await _overview(session, actor, env)
        return await _failed(request, session, exc, "admin/facility.html", {**ctx, "form": data})
    return RedirectResponse(f"{BASE}?ok={ok}", status_code=303)


@router.post("/booking-rules")
async def save_booking_rules(
    request: Request,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
    settings: SettingsDep,
) -> Response:
    async def action(data: dict[str, Any]) -> None:
        body = _parse(BookingRules, data)
        await admin_service.update_booking_rules(
            session, actor, body, slot_horizon_days=settings.slot_horizon_days
        )

    return await _overview_action(request, actor, session, env, action, "saved")


@router.post("/specialties/{specialty_id}/{verb}")
async def change_specialty(
    request: Request,
    specialty_id: uuid.UUID,
    verb: str,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> Response:
    async def action(_: dict[str, Any]) -> None:
        if verb == "offer":
            await admin_service.offer_specialty(session, actor, specialty_id)
        elif verb == "withdraw":
            await admin_service.withdraw_specialty(session, actor, specialty_id)
        else:
            raise ValidationFailed("errors.bad_request")

    return await _overview_action(request, actor, session, env, action, "saved")


def _local_bound(day: str, at: str, *, end: bool) -> datetime:
    """A form's date and optional time, in Vietnam time; an empty end time means end of day."""
    try:
        parsed_day = datetime.strptime(day, "%Y-%m-%d").date()
        parsed_time = time.fromisoformat(at) if at else time(0)
    except ValueError as exc:
        field = "end_date" if end else "start_date"
        raise ValidationFailed("admin.errors.invalid_field", field=f"admin.fields.{field}") from exc
    if end and not at:
        parsed_day += timedelta(days=1)
    return datetime.combine(parsed_day, parsed_time, tzinfo=VN_TZ)


@router.post("/exceptions")
async def add_exception(
    request: Request, actor: FacilityAdminActor, session: SessionDep, env: ScheduleEnvDep
) -> Response:
    async def action(data: dict[str, Any]) -> None:
        body = _parse(
            ExceptionIn,
            {
                "kind": data.get("kind", ""),
                "practitioner_id": data.get("practitioner_id") or None,
                "start_at": _local_bound(
                    data.get("start_date", ""), data.get("start_time", ""), end=False
                ),
                "end_at": _local_bound(
                    data.get("end_date", ""), data.get("end_time", ""), end=True
                ),
                "reason": data.get("reason", ""),
            },
        )
        await schedules.create_exception(session, actor, body, env)

    return await _overview_action(request, actor, session, env, action, "exception_added")


@router.post("/exceptions/{exception_id}/delete")
async def remove_exception(
    request: Request,
    exception_id: uuid.UUID,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> Response:
    async def action(_: dict[str, Any]) -> None:
        await schedules.delete_exception(session, actor, exception_id, env)

    return await _overview_action(request, actor, session, env, action, "exception_removed")


# --- practitioners ---------------------------------------------------------------------


@router.get("/practitioners/new")
async def new_practitioner(
    request: Request, actor: FacilityAdminActor, session: SessionDep
) -> Response:
    return render(request, "admin/practitioner_new.html", await _new_context(session, actor, {}))


async def _new_context(session: AsyncSession, actor: Actor, form: dict[str, Any]) -> dict[str, Any]:
    offered = [s for s in await admin_service.list_specialties(session, actor) if s.offered]
    return {"specialties": offered, "form": form}


def _profile_data(data: dict[str, Any]) -> dict[str, Any]:
    # An unchecked checkbox is absent from the form: absent means "no".
    return {
        **data,
        "accepts_online_booking": data.get("accepts_online_booking") == "on",
        "specialty_ids": data.get("specialty_ids", []),
    }


@router.post("/practitioners")
async def create_practitioner(
    request: Request, actor: FacilityAdminActor, session: SessionDep, clock: ClockDep
) -> Response:
    data = await _form(request)

    async def action(entered: dict[str, Any]) -> Any:
        body = _parse(PractitionerCreate, _profile_data(entered))
        return await practitioners.create_practitioner(session, actor, body, now=clock.now())

    try:
        created = await _attempt(session, action, data)
    except AppError as exc:
        safe = {k: v for k, v in data.items() if k != "password"}  # never echo a password
        ctx = await _new_context(session, actor, safe)
        return await _failed(request, session, exc, "admin/practitioner_new.html", ctx)
    return RedirectResponse(f"{BASE}/practitioners/{created.id}?ok=created", status_code=303)


async def _practitioner_context(
    session: AsyncSession, actor: Actor, practitioner_id: uuid.UUID, env: ScheduleEnv
) -> dict[str, Any]:
    person = await practitioners.read_practitioner(session, actor, practitioner_id)
    offered = [s for s in await admin_service.list_specialties(session, actor) if s.offered]
    conflicts = [
        c
        for c in await schedules.facility_conflicts(session, actor, env)
        if c.practitioner_id == practitioner_id
    ]
    return {
        "person": person,
        "specialties": offered,
        "chosen": {s.id for s in person.specialties},
        "rules": await schedules.list_rules(session, actor, practitioner_id),
        "modes": [m.value for m in SlotMode],
        "conflicts": conflicts,
        "today": local_today(env.now).isoformat(),
        "form": {},
    }


@router.get("/practitioners/{practitioner_id}")
async def practitioner_page(
    request: Request,
    practitioner_id: uuid.UUID,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> Response:
    ctx = await _practitioner_context(session, actor, practitioner_id, env)
    return render(request, "admin/practitioner.html", {**ctx, "flash": _flash(request)})


async def _practitioner_action(
    request: Request,
    actor: Actor,
    session: AsyncSession,
    env: ScheduleEnv,
    practitioner_id: uuid.UUID,
    action: Any,
    ok: str,
) -> Response:
    data = await _form(request)
    try:
        await _attempt(session, action, data)
    except AppError as exc:
        ctx = await _practitioner_context(session, actor, practitioner_id, env)
        return await _failed(
            request, session, exc, "admin/practitioner.html", {**ctx, "form": data}
        )
    return RedirectResponse(f"{BASE}/practitioners/{practitioner_id}?ok={ok}", status_code=303)


@router.post("/practitioners/{practitioner_id}")
async def save_profile(
    request: Request,
    practitioner_id: uuid.UUID,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> Response:
    async def action(data: dict[str, Any]) -> None:
        body = _parse(PractitionerProfile, _profile_data(data))
        await practitioners.update_practitioner(session, actor, practitioner_id, body)

    return await _practitioner_action(
        request, actor, session, env, practitioner_id, action, "saved"
    )


@router.post("/practitioners/{practitioner_id}/rules")
async def add_rule(
    request: Request,
    practitioner_id: uuid.UUID,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> Response:
    async def action(data: dict[str, Any]) -> None:
        body = _parse(RuleIn, {**data, "valid_until": data.get("valid_until") or None})
        await schedules.create_rule(session, actor, practitioner_id, body, env)

    return await _practitioner_action(
        request, actor, session, env, practitioner_id, action, "rule_added"
    )


@router.post("/practitioners/{practitioner_id}/rules/{rule_id}/delete")
async def remove_rule(
    request: Request,
    practitioner_id: uuid.UUID,
    rule_id: uuid.UUID,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> Response:
    async def action(_: dict[str, Any]) -> None:
        await schedules.delete_rule(session, actor, rule_id, env)

    return await _practitioner_action(
        request, actor, session, env, practitioner_id, action, "rule_removed"
    )


@router.post("/practitioners/{practitioner_id}/{verb}")
async def change_status(
    request: Request,
    practitioner_id: uuid.UUID,
    verb: str,
    actor: FacilityAdminActor,
    session: SessionDep,
    env: ScheduleEnvDep,
) -> Response:
    async def action(_: dict[str, Any]) -> None:
        if verb not in ("activate", "deactivate"):
            raise ValidationFailed("errors.bad_request")
        await practitioners.set_active(session, actor, practitioner_id, verb == "activate", env)

    return await _practitioner_action(
        request, actor, session, env, practitioner_id, action, verb + "d"
    )
