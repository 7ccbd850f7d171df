"""A facility admin's changes to weekly rules and exceptions, validated, audited, resynced.

Validation happens before anything is written, so a refused change stores nothing even
if the caller (a web page) catches the error and carries on.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.clock import VN_TZ
from telehealth.errors import NotFound, ValidationFailed
from telehealth.models import Practitioner, ScheduleException, ScheduleRule, User
from telehealth.practitioners.service import admin_facility, own_practitioner
from telehealth.scheduling import repository
from telehealth.scheduling.expand import local_today
from telehealth.scheduling.schemas import ConflictPublic, ExceptionIn, RuleIn, SyncReport
from telehealth.scheduling.service import (
    ScheduleEnv,
    SlotConflict,
    SyncResult,
    preview_conflicts,
    resync_after_change,
)

# How far ahead a rule may start, and how long one exception may last: beyond these the
# input is almost certainly a typo in the year.
MAX_RULE_START_AHEAD = timedelta(days=730)
MAX_EXCEPTION_SPAN = timedelta(days=366)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def validate_rule(body: RuleIn, today: date) -> None:
    start, end = _minutes(body.start_time), _minutes(body.end_time)
    if body.start_time.second or body.end_time.second:
        raise ValidationFailed("scheduling.errors.whole_minutes")
    if end <= start:
        raise ValidationFailed("scheduling.errors.end_before_start")
    if (end - start) % body.slot_minutes:
        raise ValidationFailed(
            "scheduling.errors.slot_length_divides", minutes=body.slot_minutes, window=end - start
        )
    if body.valid_until is not None and body.valid_until < body.valid_from:
        raise ValidationFailed("scheduling.errors.valid_until_before_from")
    if body.valid_from > today + MAX_RULE_START_AHEAD:
        raise ValidationFailed("scheduling.errors.valid_from_too_far")


def _ranges_overlap(a: ScheduleRule, b: RuleIn) -> bool:
    times = a.start_time < b.end_time and b.start_time < a.end_time
    a_end = a.valid_until or date.max
    b_end = b.valid_until or date.max
    return times and a.valid_from <= b_end and b.valid_from <= a_end


async def _check_overlap(
    session: AsyncSession, practitioner_id: uuid.UUID, body: RuleIn, except_id: uuid.UUID | None
) -> None:
    for other in await repository.rules_for(session, [practitioner_id]):
        if other.id != except_id and other.weekday == body.weekday and _ranges_overlap(other, body):
            raise ValidationFailed(
                "scheduling.errors.rule_overlap",
                start=other.start_time.strftime("%H:%M"),
                end=other.end_time.strftime("%H:%M"),
            )


async def _own_rule(session: AsyncSession, actor: Actor, rule_id: uuid.UUID) -> ScheduleRule:
    stmt = (
        select(ScheduleRule)
        .join(Practitioner, col(Practitioner.id) == col(ScheduleRule.practitioner_id))
        .where(
            col(ScheduleRule.id) == rule_id, col(Practitioner.facility_id) == admin_facility(actor)
        )
    )
    rule = (await session.execute(stmt)).scalar_one_or_none()
    if rule is None:
        raise NotFound("scheduling.errors.rule_not_found")
    return rule


async def list_rules(
    session: AsyncSession, actor: Actor, practitioner_id: uuid.UUID
) -> list[ScheduleRule]:
    practitioner = await own_practitioner(session, actor, practitioner_id)
    return await repository.rules_for(session, [practitioner.id])


async def create_rule(
    session: AsyncSession, actor: Actor, practitioner_id: uuid.UUID, body: RuleIn, env: ScheduleEnv
) -> tuple[ScheduleRule, SyncResult]:
    practitioner = await own_practitioner(session, actor, practitioner_id)
    if not practitioner.is_active:
        raise ValidationFailed("scheduling.errors.practitioner_inactive")
    validate_rule(body, local_today(env.now))
    # Lock before the overlap check, so two admins saving at once cannot both pass it.
    await repository.lock_practitioners(session, [practitioner.id])
    await _check_overlap(session, practitioner.id, body, None)
    rule = ScheduleRule(practitioner_id=practitioner.id, created_at=env.now, **body.model_dump())
    session.add(rule)
    await session.flush()
    result = await resync_after_change(session, env, [practitioner.id])
    _audit(session, actor, "schedule_rule.create", "ScheduleRule", rule.id, result, body)
    return rule, result


async def update_rule(
    session: AsyncSession, actor: Actor, rule_id: uuid.UUID, body: RuleIn, env: ScheduleEnv
) -> tuple[ScheduleRule, SyncResult]:
    rule = await _own_rule(session, actor, rule_id)
    validate_rule(body, local_today(env.now))
    await repository.lock_practitioners(session, [rule.practitioner_id])
    await _check_overlap(session, rule.practitioner_id, body, rule.id)
    for name, value in body.model_dump().items():
        setattr(rule, name, value)
    await session.flush()
    result = await resync_after_change(session, env, [rule.practitioner_id])
    _audit(session, actor, "schedule_rule.update", "ScheduleRule", rule.id, result, body)
    return rule, result


async def delete_rule(
    session: AsyncSession, actor: Actor, rule_id: uuid.UUID, env: ScheduleEnv
) -> SyncResult:
    rule = await _own_rule(session, actor, rule_id)
    practitioner_id = rule.practitioner_id
    await session.delete(rule)
    await session.flush()
    result = await resync_after_change(session, env, [practitioner_id])
    _audit(session, actor, "schedule_rule.delete", "ScheduleRule", rule_id, result, None)
    return result


def _aware(value: datetime) -> datetime:
    # A time without an offset comes from a local form or client: it is Vietnam time.
    return (value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value).astimezone(UTC)


async def list_exceptions(
    session: AsyncSession, actor: Actor, now: datetime
) -> list[ScheduleException]:
    return await repository.exceptions_touching(session, [admin_facility(actor)], now)


async def create_exception(
    session: AsyncSession, actor: Actor, body: ExceptionIn, env: ScheduleEnv
) -> tuple[ScheduleException, SyncResult]:
    facility_id = admin_facility(actor)
    start_at, end_at = _aware(body.start_at), _aware(body.end_at)
    if end_at <= start_at:
        raise ValidationFailed("scheduling.errors.end_before_start")
    if end_at - start_at > MAX_EXCEPTION_SPAN:
        raise ValidationFailed("scheduling.errors.exception_too_long")
    if end_at <= env.now:
        raise ValidationFailed("scheduling.errors.exception_in_past")
    if body.kind == "leave" and body.practitioner_id is None:
        raise ValidationFailed("scheduling.errors.leave_needs_practitioner")
    if body.kind == "holiday" and body.practitioner_id is not None:
        raise ValidationFailed("scheduling.errors.holiday_is_facility_wide")
    if body.practitioner_id is not None:
        affected = [(await own_practitioner(session, actor, body.practitioner_id)).id]
    else:
        affected = await repository.facility_practitioner_ids(session, facility_id)
    await repository.lock_practitioners(session, affected)
    exception = ScheduleException(
        facility_id=facility_id,
        practitioner_id=body.practitioner_id,
        kind=body.kind,
        start_at=start_at,
        end_at=end_at,
        reason=body.reason.strip(),
        created_at=env.now,
    )
    session.add(exception)
    await session.flush()
    result = await resync_after_change(session, env, affected)
    _audit(
        session, actor, "schedule_exception.create", "ScheduleException", exception.id, result, None
    )
    return exception, result


async def delete_exception(
    session: AsyncSession, actor: Actor, exception_id: uuid.UUID, env: ScheduleEnv
) -> SyncResult:
    facility_id = admin_facility(actor)
    exception = await session.get(ScheduleException, exception_id)
    if exception is None or exception.facility_id != facility_id:
        raise NotFound("scheduling.errors.exception_not_found")
    if exception.practitioner_id is not None:
        affected = [exception.practitioner_id]
    else:
        affected = await repository.facility_practitioner_ids(session, facility_id)
    await session.delete(exception)
    await session.flush()
    result = await resync_after_change(session, env, affected)
    _audit(
        session, actor, "schedule_exception.delete", "ScheduleException", exception_id, result, None
    )
    return result


async def facility_conflicts(
    session: AsyncSession, actor: Actor, env: ScheduleEnv
) -> list[SlotConflict]:
    ids = await repository.facility_practitioner_ids(session, admin_facility(actor))
    return await preview_conflicts(session, ids, now=env.now, horizon_days=env.horizon_days)


async def report(session: AsyncSession, result: SyncResult | list[SlotConflict]) -> SyncReport:
    """The API shape of a sync result, with practitioner names for the admin's call list."""
    conflicts = result if isinstance(result, list) else result.conflicts
    names: dict[uuid.UUID, str] = {}
    for c in conflicts:
        if c.practitioner_id not in names:
            practitioner = await session.get(Practitioner, c.practitioner_id)
            user = await session.get(User, practitioner.user_id) if practitioner else None
            names[c.practitioner_id] = user.full_name if user else ""
    items = [
        ConflictPublic(
            appointment_id=c.appointment_id,
            practitioner_id=c.practitioner_id,
            practitioner_name=names[c.practitioner_id],
            patient_id=c.patient_id,
            start_at=c.start_at,
            end_at=c.end_at,
            mode=c.mode,
            reason=c.reason,  # type: ignore[arg-type]
        )
        for c in conflicts
    ]
    if isinstance(result, list):
        return SyncReport(created=0, deleted=0, conflicts=items)
    return SyncReport(created=result.created, deleted=result.deleted, conflicts=items)


def _audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID,
    result: SyncResult,
    body: RuleIn | None,
) -> None:
    detail: dict[str, object] = {
        "slots_created": result.created,
        "slots_withdrawn": result.deleted,
        "conflicts": [str(c.appointment_id) for c in result.conflicts],
    }
    if body is not None:
        detail["rule"] = body.model_dump(mode="json")
    record(
        session, actor, action, resource_type=resource_type, resource_id=resource_id, detail=detail
    )
