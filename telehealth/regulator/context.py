"""What every regulator service call needs: the transaction, the regulator, time, scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.accounts.deps import RegulatorActor
from telehealth.clock import Clock
from telehealth.config import Settings
from telehealth.db import SessionDep
from telehealth.deps import ClockDep, SettingsDep
from telehealth.regulator.scope import Jurisdiction, jurisdiction_of


@dataclass(frozen=True)
class RegulatorContext:
    session: AsyncSession
    actor: Actor
    clock: Clock
    settings: Settings
    scope: Jurisdiction

    @property
    def now(self) -> datetime:
        return self.clock.now()


async def _context(
    session: SessionDep, actor: RegulatorActor, clock: ClockDep, settings: SettingsDep
) -> RegulatorContext:
    return RegulatorContext(session, actor, clock, settings, jurisdiction_of(actor))


# Regulators only: everyone else gets 403 (and the refusal is audited).
RegulatorDep = Annotated[RegulatorContext, Depends(_context)]
