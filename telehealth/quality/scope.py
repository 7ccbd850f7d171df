"""Whose quality figures a caller may see: their facility, their province, or the country.

- facility administrators: their facility (dashboard and every session of it);
- clinicians: their facility's dashboard, read only (aggregates, no session pages): the
  staff who run the service should see how it performs;
- regulators: the facilities of their province (Sở Y tế), or all of them (Bộ Y tế);
- patients and system administrators: nothing (403 by role).
Asking for a facility outside one's scope is a 404: its existence is not the caller's business.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.errors import Forbidden, NotFound
from telehealth.models import Facility, Role

DASHBOARD_ROLES = (Role.facility_admin, Role.clinician, Role.regulator)


@dataclass(frozen=True)
class DashboardScope:
    # None: every facility (national regulator, no facility chosen).
    facility_ids: list[uuid.UUID] | None
    # Facilities the caller may pick in the filter (id, name), by name.
    choices: list[tuple[uuid.UUID, str]]
    chosen_facility_id: uuid.UUID | None


async def _facilities(session: AsyncSession, province_code: str | None) -> list[Facility]:
    statement = select(Facility).order_by(col(Facility.name))
    if province_code is not None:
        statement = statement.where(col(Facility.province_code) == province_code)
    return list((await session.execute(statement)).scalars().all())


async def dashboard_scope(
    session: AsyncSession, actor: Actor, facility_id: uuid.UUID | None
) -> DashboardScope:
    if actor.role in (Role.facility_admin, Role.clinician):
        if actor.facility_id is None:
            raise Forbidden("quality.errors.no_facility")
        if facility_id is not None and facility_id != actor.facility_id:
            raise NotFound("quality.errors.facility_not_found")
        own = await session.get(Facility, actor.facility_id)
        name = own.name if own else ""
        return DashboardScope([actor.facility_id], [(actor.facility_id, name)], actor.facility_id)
    if actor.role == Role.regulator:
        # A regulator's Actor.province_code is their jurisdiction; None is national.
        facilities = await _facilities(session, actor.province_code)
        choices = [(f.id, f.name) for f in facilities]
        if facility_id is not None:
            if facility_id not in {f.id for f in facilities}:
                raise NotFound("quality.errors.facility_not_found")
            return DashboardScope([facility_id], choices, facility_id)
        if actor.province_code is None:
            return DashboardScope(None, choices, None)
        return DashboardScope([f.id for f in facilities], choices, None)
    raise Forbidden("errors.role_required")


async def require_session_access(
    session: AsyncSession, actor: Actor, facilities: tuple[uuid.UUID | None, uuid.UUID | None]
) -> None:
    """A session's quality is read by the administrators of the facilities that held it."""
    if actor.role != Role.facility_admin or actor.facility_id is None:
        raise NotFound("quality.errors.session_not_found")
    if actor.facility_id not in facilities:
        raise NotFound("quality.errors.session_not_found")
