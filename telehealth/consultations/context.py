"""What every consultation service call needs: the transaction, the caller, time, the bus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.accounts.deps import StaffActor
from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import SessionDep
from telehealth.deps import BusDep, ClockDep, SettingsDep


@dataclass(frozen=True)
class ServiceContext:
    session: AsyncSession
    actor: Actor
    clock: Clock
    bus: Any
    settings: Settings

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def lang(self) -> str:
        return self.actor.lang


async def _context(
    session: SessionDep,
    actor: StaffActor,
    clock: ClockDep,
    bus: BusDep,
    settings: SettingsDep,
) -> ServiceContext:
    return ServiceContext(session=session, actor=actor, clock=clock, bus=bus, settings=settings)


# Staff only (clinicians and facility administrators): patients and regulators get 403.
StaffContext = Annotated[ServiceContext, Depends(_context)]
