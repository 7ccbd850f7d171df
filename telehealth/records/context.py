"""The records' service context: like the consultations' one, but for any signed-in person,
because patients read their own visit summaries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from telehealth.accounts.deps import CurrentActor
from telehealth.consultations.context import ServiceContext
from telehealth.db import SessionDep
from telehealth.deps import BusDep, ClockDep, SettingsDep


async def _context(
    session: SessionDep,
    actor: CurrentActor,
    clock: ClockDep,
    bus: BusDep,
    settings: SettingsDep,
) -> ServiceContext:
    return ServiceContext(session=session, actor=actor, clock=clock, bus=bus, settings=settings)


# Anyone signed in; what they may see is decided per document (telehealth.records.access).
RecordsContext = Annotated[ServiceContext, Depends(_context)]
