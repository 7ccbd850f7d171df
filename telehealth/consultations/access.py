"""Who may see a consultation request, and in which capacity (requester, consultant, ...).

Existence is private: someone with no relation to a request gets the same 404 as for a
request that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.audit.service import record
from telehealth.clock import Clock
from telehealth.consultations import repository
from telehealth.consultations.states import Party
from telehealth.errors import NotFound
from telehealth.models import ConsultationRequest, ConsultationStatus, Practitioner, Role


@dataclass(frozen=True)
class Viewer:
    """The caller as seen from one request."""

    actor: Actor
    request: ConsultationRequest
    parties: frozenset[Party]
    practitioner: Practitioner | None


async def parties_for(
    session: AsyncSession,
    actor: Actor,
    request: ConsultationRequest,
    practitioner: Practitioner | None,
) -> frozenset[Party]:
    parties: set[Party] = set()
    if not actor.is_staff or actor.facility_id is None:
        # Patients and regulators are outside this issue (regulators come with their own).
        return frozenset()
    if actor.facility_id == request.requesting_facility_id:
        parties.add(Party.requester)
    if request.status == ConsultationStatus.draft:
        # A draft is the requesting facility's own working copy.
        return frozenset(parties)
    if actor.facility_id == request.consulting_facility_id:
        if actor.role == Role.facility_admin:
            # Administrators are told about overdue requests, so they must be able to read them.
            parties.add(Party.observer)
        elif practitioner is not None and request.specialty_id in await repository.specialty_ids_of(
            session, practitioner.id
        ):
            parties.add(Party.consultant)
    if practitioner is not None and await repository.is_participant(
        session, request.id, practitioner.id
    ):
        parties.add(Party.invitee)
    return frozenset(parties)


async def load(
    session: AsyncSession,
    actor: Actor,
    consultation_id: uuid.UUID,
    *,
    clock: Clock | None = None,
    audit_action: str | None = "consultation.read",
) -> Viewer:
    """The request as the caller may see it, or NotFound; the read is audited."""
    request = await repository.get(session, consultation_id)
    if request is None:
        raise NotFound("consultations.errors.not_found")
    practitioner = await repository.practitioner_for_user(session, actor.user_id)
    parties = await parties_for(session, actor, request, practitioner)
    if not parties:
        raise NotFound("consultations.errors.not_found")
    if audit_action is not None:
        record(
            session,
            actor,
            audit_action,
            resource_type="ConsultationRequest",
            resource_id=request.id,
            patient_id=request.patient_id,
            detail={"parties": sorted(p.value for p in parties)},
            clock=clock,
        )
    return Viewer(actor=actor, request=request, parties=parties, practitioner=practitioner)


async def refreshed(session: AsyncSession, viewer: Viewer, request: ConsultationRequest) -> Viewer:
    """The caller's view after a change (a forward moves the request out of their reach)."""
    parties = await parties_for(session, viewer.actor, request, viewer.practitioner)
    return Viewer(viewer.actor, request, parties, viewer.practitioner)
