"""Slot materialisation: rules in Vietnam time become UTC slots, minus exceptions, idempotently."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from telehealth.clock import VN_TZ, FrozenClock
from telehealth.db import Database
from telehealth.models import (
    AppointmentStatus,
    ScheduleException,
    ScheduleRule,
    Slot,
    SlotMode,
    VisitMode,
)
from telehealth.scheduling.service import sync_practitioners
from tests.fixtures import factories
from tests.fixtures.factories import EPOCH
from tests.fixtures.http import seeding
from tests.scheduling.helpers import book, count, rule, slot_at, slots_of

# The frozen clock is Monday 2026-11-23 08:00 in Vietnam (01:00 UTC).


def vn(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """A Vietnam wall-clock time as the UTC instant the database stores."""
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(UTC)


async def test_weekly_rule_becomes_utc_slots_for_each_week(
    db: Database, clock: FrozenClock
) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        # Tuesday 08:00-10:00 Vietnam time, 30-minute slots.
        await rule(s, doc, weekday=1, start=time(8), end=time(10), slot_minutes=30)
        result = await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=13)
    assert result.created == 8  # two Tuesdays (24 Nov, 1 Dec) x four slots
    async with seeding(db) as s:
        slots = await slots_of(s, doc.id)
    starts = [sl.start_at for sl in slots]
    assert starts[0] == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 08:00 +07:00
    assert starts[3] == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    assert starts[4] == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert all(sl.end_at - sl.start_at == timedelta(minutes=30) for sl in slots)
    assert {sl.facility_id for sl in slots} == {fac.id}


async def test_early_morning_local_slots_fall_on_the_previous_utc_day(
    db: Database, clock: FrozenClock
) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        await rule(s, doc, weekday=2, start=time(6, 0), end=time(7, 0), slot_minutes=60)
        await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=6)
        slots = await slots_of(s, doc.id)
    # Wednesday 25 Nov 06:00 in Vietnam is Tuesday 24 Nov 23:00 UTC: no DST, always +07:00.
    assert [sl.start_at for sl in slots] == [datetime(2026, 11, 24, 23, 0, tzinfo=UTC)]


async def test_slots_already_past_today_are_not_created(db: Database, clock: FrozenClock) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        # Monday 07:00-09:00: it is 08:00 on Monday, so only 08:00 and 08:30 remain today.
        await rule(s, doc, weekday=0, start=time(7), end=time(9), slot_minutes=30)
        await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=1)
        slots = await slots_of(s, doc.id)
    assert [sl.start_at.hour for sl in slots] == [1, 1]
    assert [sl.start_at.minute for sl in slots] == [0, 30]


async def test_validity_dates_bound_the_rule(db: Database, clock: FrozenClock) -> None:
    from datetime import date

    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        await rule(
            s,
            doc,
            weekday=3,
            slot_minutes=120,
            valid_from=date(2026, 12, 3),
            valid_until=date(2026, 12, 10),
        )
        await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=28)
        slots = await slots_of(s, doc.id)
    assert [sl.start_at.date().isoformat() for sl in slots] == ["2026-12-03", "2026-12-10"]


async def test_leave_and_facility_holiday_remove_slots(db: Database, clock: FrozenClock) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        other = await factories.practitioner(s, fac.id)
        for p in (doc, other):
            await rule(s, p, weekday=1, slot_minutes=60)  # Tuesdays 08-10
            await rule(s, p, weekday=3, slot_minutes=60)  # Thursdays 08-10
        # Leave: the doctor is away Tuesday 24 Nov from 09:00 local.
        s.add(
            ScheduleException(
                facility_id=fac.id,
                practitioner_id=doc.id,
                kind="leave",
                start_at=vn(2026, 11, 24, 9),
                end_at=vn(2026, 11, 25, 0),
                created_at=EPOCH,
            )
        )
        # Holiday for the whole facility on Thursday 26 Nov.
        s.add(
            ScheduleException(
                facility_id=fac.id,
                practitioner_id=None,
                kind="holiday",
                start_at=vn(2026, 11, 26, 0),
                end_at=vn(2026, 11, 27, 0),
                created_at=EPOCH,
            )
        )
        await s.flush()
        await sync_practitioners(s, [doc.id, other.id], now=clock.now(), horizon_days=6)
        mine = [sl.start_at for sl in await slots_of(s, doc.id)]
        theirs = [sl.start_at for sl in await slots_of(s, other.id)]
    assert mine == [vn(2026, 11, 24, 8)]
    assert theirs == [vn(2026, 11, 24, 8), vn(2026, 11, 24, 9)]


async def test_running_twice_creates_nothing_new(db: Database, clock: FrozenClock) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        await rule(s, doc, weekday=1)
        first = await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=20)
    async with seeding(db) as s:
        second = await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=20)
        total = await count(s, Slot)
    assert first.created == 12 and total == 12
    assert (second.created, second.deleted, second.conflicts) == (0, 0, [])


async def test_rule_change_keeps_booked_slot_and_reports_conflict(
    db: Database, clock: FrozenClock
) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        r = await rule(s, doc, weekday=1, slot_minutes=30)
        await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=6)
        booked_slot = await slot_at(s, doc.id, vn(2026, 11, 24, 9))
        appointment = await book(s, booked_slot)
        cancelled_slot = await slot_at(s, doc.id, vn(2026, 11, 24, 8))
        cancelled = await book(s, cancelled_slot, status=AppointmentStatus.cancelled)
    async with seeding(db) as s:
        stored = await s.get(ScheduleRule, r.id)
        assert stored is not None
        stored.weekday = 2  # the doctor moves to Wednesdays
        result = await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=6)
    assert [c.appointment_id for c in result.conflicts] == [appointment.id]
    assert result.conflicts[0].reason == "not_offered"
    assert result.deleted == 3  # 08:00 (only a cancelled visit), 08:30, 09:30
    async with seeding(db) as s:
        starts = [sl.start_at for sl in await slots_of(s, doc.id)]
        from telehealth.models import Appointment

        history = await s.get(Appointment, cancelled.id)
    assert vn(2026, 11, 24, 9) in starts
    assert [st for st in starts if st.day == 25] == [
        vn(2026, 11, 25, 8),
        vn(2026, 11, 25, 8, 30),
        vn(2026, 11, 25, 9),
        vn(2026, 11, 25, 9, 30),
    ]
    assert history is not None and history.slot_id is None  # history kept, slot withdrawn


async def test_new_slots_never_overlap_a_kept_booked_slot(db: Database, clock: FrozenClock) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        r = await rule(s, doc, weekday=1, slot_minutes=30)
        await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=6)
        await book(s, await slot_at(s, doc.id, vn(2026, 11, 24, 8, 30)), mode=VisitMode.in_person)
    async with seeding(db) as s:
        stored = await s.get(ScheduleRule, r.id)
        assert stored is not None
        stored.slot_minutes = 60  # 08:00-09:00 and 09:00-10:00 now
        result = await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=6)
        slots = await slots_of(s, doc.id)
    assert len(result.conflicts) == 1
    # 08:00-09:00 would overlap the kept 08:30 booking, so only 09:00-10:00 is offered.
    assert [(sl.start_at, sl.end_at - sl.start_at) for sl in slots] == [
        (vn(2026, 11, 24, 8, 30), timedelta(minutes=30)),
        (vn(2026, 11, 24, 9), timedelta(minutes=60)),
    ]


async def test_mode_change_updates_free_and_compatible_booked_slots(
    db: Database, clock: FrozenClock
) -> None:
    async with seeding(db) as s:
        fac = await factories.facility(s)
        doc = await factories.practitioner(s, fac.id)
        r = await rule(s, doc, weekday=1, slot_minutes=60, mode=SlotMode.both)
        await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=6)
        video = await book(s, await slot_at(s, doc.id, vn(2026, 11, 24, 8)), mode=VisitMode.video)
    async with seeding(db) as s:
        stored = await s.get(ScheduleRule, r.id)
        assert stored is not None
        stored.mode = SlotMode.in_person
        result = await sync_practitioners(s, [doc.id], now=clock.now(), horizon_days=6)
        slots = await slots_of(s, doc.id)
    assert [(c.appointment_id, c.reason) for c in result.conflicts] == [(video.id, "mode_changed")]
    assert [str(sl.mode) for sl in slots] == ["both", "in_person"]
    assert result.deleted == 0 and result.created == 0
