"""Who may join the live room `consultation:<id>`, and as what (for telehealth.sessions)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.consultations import access, repository
from telehealth.consultations.states import ROOM_OPEN, Party
from telehealth.models import ConsultationStatus
from telehealth.sessions.access import RoomGrant, RoomRole, room_name


async def resolve_consultation_room(
    session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, now: datetime
) -> RoomGrant | None:
    """Consulting specialists and invited colleagues host; the requesting staff take part.

    None (answered 404) for anyone without a relation to the request, and while the request
    is not accepted, scheduled or in session: there is no room before or after that.
    """
    request = await repository.get(session, consultation_id)
    if request is None or ConsultationStatus(request.status) not in ROOM_OPEN:
        return None
    practitioner = await repository.practitioner_for_user(session, actor.user_id)
    parties = await access.parties_for(session, actor, request, practitioner)
    role: RoomRole
    if parties & {Party.consultant, Party.invitee}:
        role = "host"
    elif Party.requester in parties:
        role = "participant"
    else:
        return None
    return RoomGrant(
        room=room_name("consultation", consultation_id),
        role=role,
        display_name=actor.user.full_name,
    )
