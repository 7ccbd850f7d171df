"""A regulator's jurisdiction: one province (Sở Y tế) or the whole country (Bộ Y tế).

Every regulator query goes through these filters, so a provincial regulator never sees
another province's facilities, consultations, audit events or figures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.errors import NotFound
from telehealth.models import AuditEvent, ConsultationRequest, Facility


@dataclass(frozen=True)
class Jurisdiction:
    province_code: str | None  # None: national

    @property
    def is_national(self) -> bool:
        return self.province_code is None

    def facility_ids(self) -> Any:
        """The facilities in scope, as a subquery."""
        stmt = select(col(Facility.id))
        if self.province_code is not None:
            stmt = stmt.where(col(Facility.province_code) == self.province_code)
        return stmt

    def audit_filter(self) -> Any:
        """Events by staff of the province's facilities, or by the province's regulators.

        Events without a facility (patients' own actions, system jobs) are national."""
        if self.province_code is None:
            return None
        return or_(
            col(AuditEvent.actor_facility_id).in_(self.facility_ids()),
            col(AuditEvent.actor_province_code) == self.province_code,
        )

    def consultation_filter(self) -> Any:
        """Consultations that one of the province's facilities asked for or answered."""
        if self.province_code is None:
            return None
        ids = self.facility_ids()
        return or_(
            col(ConsultationRequest.requesting_facility_id).in_(ids),
            col(ConsultationRequest.consulting_facility_id).in_(ids),
        )


def jurisdiction_of(actor: Actor) -> Jurisdiction:
    return Jurisdiction(actor.province_code)


async def facility_in_scope(
    session: AsyncSession, scope: Jurisdiction, facility_id: uuid.UUID
) -> Facility:
    facility = await session.get(Facility, facility_id)
    if facility is None or (
        scope.province_code is not None and facility.province_code != scope.province_code
    ):
        raise NotFound("regulator.errors.facility_not_found")
    return facility


async def facilities(session: AsyncSession, scope: Jurisdiction) -> list[Facility]:
    stmt = select(Facility).order_by(col(Facility.province_code), col(Facility.name))
    if scope.province_code is not None:
        stmt = stmt.where(col(Facility.province_code) == scope.province_code)
    return list((await session.execute(stmt)).scalars())
