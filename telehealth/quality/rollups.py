"""Per-session rollups: computed from the raw samples when a session ends, stored for good.

`rollup_room` is idempotent (it replaces the session's rollup rows), so the catch-up job
and a late `end` may both run it; the last one wins with the same figures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.models import (
    LiveSession,
    ParticipantQualityRollup,
    SessionParticipation,
    SessionQualityRecord,
    SessionQualityRollup,
)
from telehealth.quality import repository
from telehealth.quality.intervals import intervals, reconnects
from telehealth.quality.summary import Figures, by_user, figures, series, session_figures


@dataclass
class ParticipantResult:
    user_id: uuid.UUID
    display_name: str
    role: str
    figures: Figures
    series: dict[str, object]


@dataclass
class RollupResult:
    room: str
    started_at: datetime
    ended_at: datetime | None
    figures: Figures
    participants: list[ParticipantResult]


def compute(
    room: str,
    records: list[SessionQualityRecord],
    people: list[SessionParticipation],
    live: LiveSession | None,
) -> RollupResult:
    """The session's figures from its raw records (pure apart from the rows handed in)."""
    rows = intervals(records)
    times = [r.recorded_at for r in records]
    start = live.started_at if live is not None else min(times, default=None)
    end = (live.ended_at if live is not None else None) or max(times, default=None)
    start = min([start, *times]) if start is not None and times else start
    if start is None:
        raise ValueError(f"room {room} has neither a session record nor samples")
    end = end or start
    named = {p.user_id: p for p in people}
    per_user = by_user(rows)
    counts = reconnects(records)
    participants: list[ParticipantResult] = []
    for user_id in sorted({*per_user, *counts, *named}, key=str):
        person = named.get(user_id)
        mine = per_user.get(user_id, [])
        participants.append(
            ParticipantResult(
                user_id=user_id,
                display_name=person.display_name if person else "",
                role=person.role if person else "",
                figures=figures(mine, counts.get(user_id, 0)),
                series=series(mine, start, end).as_json(),
            )
        )
    overall = session_figures(rows, [p.figures for p in participants])
    return RollupResult(room, start, live.ended_at if live else None, overall, participants)


async def compute_room(session: AsyncSession, room: str) -> RollupResult | None:
    live = await repository.live_session(session, room)
    records = await repository.raw_records(session, room)
    if live is None and not records:
        return None
    people = await repository.participations(session, room)
    return compute(room, records, people, live)


async def rollup_room(
    session: AsyncSession, room: str, now: datetime
) -> SessionQualityRollup | None:
    """Compute and store (or replace) the room's rollup; None for an unknown room."""
    result = await compute_room(session, room)
    if result is None:
        return None
    kind, _, raw_id = room.partition(":")
    facility_id, other_facility_id = await repository.facilities_of_room(session, room)
    await session.execute(
        delete(ParticipantQualityRollup).where(col(ParticipantQualityRollup.room) == room)
    )
    await session.execute(
        delete(SessionQualityRollup).where(col(SessionQualityRollup.room) == room)
    )
    rollup = SessionQualityRollup(
        room=room, kind=kind, resource_id=uuid.UUID(raw_id),
        facility_id=facility_id, other_facility_id=other_facility_id,
        started_at=result.started_at, ended_at=result.ended_at,
        participants=len(result.participants), computed_at=now,
        **result.figures.columns(),
    )
    session.add(rollup)
    for p in result.participants:
        session.add(
            ParticipantQualityRollup(
                room=room, user_id=p.user_id, display_name=p.display_name, role=p.role,
                series=p.series, **p.figures.columns(),
            )
        )
    await session.flush()
    return rollup
