"""Slot materialisation: make the stored slots match the rules and exceptions, safely.

Free future slots that no longer match are removed and missing ones created; a slot held
by a live appointment is never removed: the appointment is reported as a conflict so the
facility can call the patient and move it. Services flush, the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.ids import new_id
from telehealth.models import Appointment, Practitioner, ScheduleException, ScheduleRule, Slot
from telehealth.notifications.service import notify
from telehealth.scheduling import repository
from telehealth.scheduling.expand import (
    Interval,
    RuleSpec,
    Window,
    expected_windows,
    modes_compatible,
)


@dataclass(frozen=True)
class SlotConflict:
    """A live appointment whose slot the current schedule no longer offers."""

    appointment_id: uuid.UUID
    practitioner_id: uuid.UUID
    patient_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    mode: str
    reason: str  # "not_offered" | "mode_changed" | "practitioner_inactive"


@dataclass
class SyncResult:
    created: int = 0
    deleted: int = 0
    conflicts: list[SlotConflict] = field(default_factory=list)


def rule_spec(rule: ScheduleRule) -> RuleSpec:
    return RuleSpec(
        practitioner_id=rule.practitioner_id,
        weekday=rule.weekday,
        start_time=rule.start_time,
        end_time=rule.end_time,
        slot_minutes=rule.slot_minutes,
        mode=str(rule.mode),
        valid_from=rule.valid_from,
        valid_until=rule.valid_until,
    )


def _blocked_for(
    practitioner: Practitioner, exceptions: Sequence[ScheduleException]
) -> list[Interval]:
    return [
        Interval(e.start_at, e.end_at)
        for e in exceptions
        if e.facility_id == practitioner.facility_id
        and (e.practitioner_id is None or e.practitioner_id == practitioner.id)
    ]


def _conflicts(
    practitioner: Practitioner,
    expected: list[Window],
    slots: Sequence[tuple[Slot, Appointment | None]],
) -> list[SlotConflict]:
    """Live appointments whose slot the expected windows no longer cover (in a usable mode)."""
    by_start = {w.start_at: w for w in expected}
    out: list[SlotConflict] = []
    for slot, appointment in slots:
        if appointment is None:
            continue
        window = by_start.get(slot.start_at)
        same_time = window is not None and window.end_at == slot.end_at
        if (
            same_time
            and window is not None
            and modes_compatible(window.mode, str(appointment.mode))
        ):
            continue
        if not practitioner.is_active:
            reason = "practitioner_inactive"
        elif same_time:
            reason = "mode_changed"
        else:
            reason = "not_offered"
        out.append(
            SlotConflict(
                appointment_id=appointment.id,
                practitioner_id=practitioner.id,
                patient_id=appointment.patient_id,
                start_at=slot.start_at,
                end_at=slot.end_at,
                mode=str(appointment.mode),
                reason=reason,
            )
        )
    return out


def _plan(
    practitioner: Practitioner,
    expected: list[Window],
    slots: Sequence[tuple[Slot, Appointment | None]],
) -> tuple[list[Window], list[uuid.UUID], list[SlotConflict]]:
    """Compare one practitioner's stored future slots with the expected windows.

    Returns the windows to insert, the free slots to delete and the conflicts. A free slot
    whose start is still offered is updated in place (length or mode changed) rather than
    replaced, which keeps its id stable for anyone who already has it on screen.
    """
    by_start = {w.start_at: w for w in expected}
    delete_ids: list[uuid.UUID] = []
    conflicts = _conflicts(practitioner, expected, slots)
    kept_booked = [Interval(c.start_at, c.end_at) for c in conflicts]
    for slot, appointment in slots:
        window = by_start.get(slot.start_at)
        # A booked slot still offered in a compatible mode follows the rule's mode.
        if (
            appointment is not None
            and window is not None
            and window.end_at == slot.end_at
            and modes_compatible(window.mode, str(appointment.mode))
            and str(slot.mode) != window.mode
        ):
            slot.mode = window.mode  # type: ignore[assignment]

    def clashes(start_at: datetime, end_at: datetime) -> bool:
        # A booked slot kept against the schedule still occupies the practitioner: nothing
        # free may overlap it, or the practitioner would be double-booked.
        return any(k.overlaps(start_at, end_at) for k in kept_booked)

    existing: set[datetime] = set()
    for slot, appointment in slots:
        if appointment is not None:
            existing.add(slot.start_at)
            continue
        window = by_start.get(slot.start_at)
        if window is None or clashes(window.start_at, window.end_at):
            delete_ids.append(slot.id)
            continue
        existing.add(slot.start_at)
        if (slot.end_at, str(slot.mode)) != (window.end_at, window.mode):
            slot.end_at, slot.mode = window.end_at, window.mode  # type: ignore[assignment]
    inserts = [
        w for w in expected if w.start_at not in existing and not clashes(w.start_at, w.end_at)
    ]
    return inserts, delete_ids, conflicts


async def sync_practitioners(
    session: AsyncSession,
    practitioner_ids: Sequence[uuid.UUID],
    *,
    now: datetime,
    horizon_days: int,
    skip_locked: bool = False,
) -> SyncResult:
    """Bring the future slots of the given practitioners in line with their schedule.

    Idempotent: a second run finds nothing to do. Inactive practitioners lose every free
    future slot. The practitioner rows are locked first so that an admin's change and the
    hourly job never interleave their reads and writes for the same practitioner.
    """
    practitioners = await repository.lock_practitioners(
        session, practitioner_ids, skip_locked=skip_locked
    )
    result = SyncResult()
    if not practitioners:
        return result
    ids = [p.id for p in practitioners]
    rules = await repository.rules_for(session, ids)
    exceptions = await repository.exceptions_touching(
        session, sorted({p.facility_id for p in practitioners}), now
    )
    stored = await repository.future_slots(session, ids, now)
    inserts: list[dict[str, Any]] = []
    deletes: list[uuid.UUID] = []
    for practitioner in practitioners:
        if practitioner.is_active:
            specs = [rule_spec(r) for r in rules if r.practitioner_id == practitioner.id]
            expected = expected_windows(
                specs, _blocked_for(practitioner, exceptions), now=now, horizon_days=horizon_days
            )
        else:
            expected = []
        mine = [(s, a) for s, a in stored if s.practitioner_id == practitioner.id]
        new, gone, conflicts = _plan(practitioner, expected, mine)
        inserts.extend(repository.window_row(w, practitioner.facility_id, new_id()) for w in new)
        deletes.extend(gone)
        result.conflicts.extend(conflicts)
    await session.flush()  # in-place updates first, so the DELETE/INSERT see them
    result.deleted = await repository.delete_free_slots(session, deletes)
    result.created = await repository.insert_windows(session, inserts)
    return result


async def notify_conflicts(
    session: AsyncSession, bus: Any, conflicts: Sequence[SlotConflict], *, now: datetime
) -> None:
    """Tell each practitioner which of their booked visits the new schedule leaves uncovered."""
    by_practitioner: dict[uuid.UUID, list[SlotConflict]] = {}
    for conflict in conflicts:
        by_practitioner.setdefault(conflict.practitioner_id, []).append(conflict)
    for practitioner_id, items in by_practitioner.items():
        practitioner = await session.get(Practitioner, practitioner_id)
        if practitioner is None:
            continue
        await notify(
            session,
            bus,
            user_id=practitioner.user_id,
            kind="schedule.conflict",
            title_key="admin.notify.conflict_title",
            body_key="admin.notify.conflict_body",
            link="/clinician/agenda",
            now=now,
            count=len(items),
        )


@dataclass(frozen=True)
class ScheduleEnv:
    """What a schedule change needs besides the session: the time, the horizon, the bus."""

    now: datetime
    horizon_days: int
    bus: Any


async def resync_after_change(
    session: AsyncSession, env: ScheduleEnv, practitioner_ids: Sequence[uuid.UUID]
) -> SyncResult:
    """Re-materialise after an admin change and tell practitioners about uncovered visits."""
    result = await sync_practitioners(
        session, practitioner_ids, now=env.now, horizon_days=env.horizon_days
    )
    await notify_conflicts(session, env.bus, result.conflicts, now=env.now)
    return result


async def preview_conflicts(
    session: AsyncSession,
    practitioner_ids: Sequence[uuid.UUID],
    *,
    now: datetime,
    horizon_days: int,
) -> list[SlotConflict]:
    """The conflicts as of now, without writing anything (for the admin's overview)."""
    if not practitioner_ids:
        return []
    practitioners = await repository.practitioners(session, practitioner_ids)
    ids = [p.id for p in practitioners]
    rules = await repository.rules_for(session, ids)
    exceptions = await repository.exceptions_touching(
        session, sorted({p.facility_id for p in practitioners}), now
    )
    booked = [(s, a) for s, a in await repository.future_slots(session, ids, now) if a is not None]
    conflicts: list[SlotConflict] = []
    for practitioner in practitioners:
        expected = (
            expected_windows(
                [rule_spec(r) for r in rules if r.practitioner_id == practitioner.id],
                _blocked_for(practitioner, exceptions),
                now=now,
                horizon_days=horizon_days,
            )
            if practitioner.is_active
            else []
        )
        mine = [(s, a) for s, a in booked if s.practitioner_id == practitioner.id]
        conflicts.extend(_conflicts(practitioner, expected, mine))
    return sorted(conflicts, key=lambda c: c.start_at)
