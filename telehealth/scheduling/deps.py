"""The request's ScheduleEnv: now from the injected clock, the horizon, the bus."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from telehealth.deps import BusDep, ClockDep, SettingsDep
from telehealth.scheduling.service import ScheduleEnv


def _schedule_env(clock: ClockDep, settings: SettingsDep, bus: BusDep) -> ScheduleEnv:
    return ScheduleEnv(now=clock.now(), horizon_days=settings.slot_horizon_days, bus=bus)


ScheduleEnvDep = Annotated[ScheduleEnv, Depends(_schedule_env)]
