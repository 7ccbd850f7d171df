"""Practitioner administration, always inside the admin's own facility.

Another facility's practitioner answers 404: a facility admin must not even learn which
ids exist elsewhere.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.accounts.security import hash_password_async
from telehealth.audit.service import record
from telehealth.errors import Conflict, Forbidden, NotFound, ValidationFailed
from telehealth.models import Practitioner, Role, Specialty, User
from telehealth.patients.identifiers import InvalidIdentifier, validate_phone
from telehealth.practitioners import repository
from telehealth.practitioners.schemas import (
    PractitionerCreate,
    PractitionerProfile,
    PractitionerPublic,
    SpecialtyRef,
)
from telehealth.scheduling.service import ScheduleEnv, SyncResult, resync_after_change

# Số chứng chỉ hành nghề: digits, letters and the separators the issuing offices use,
# e.g. "001234/TQ-CCHN" or "0012345/BYT-CCHN".
_CCHN = re.compile(r"^[0-9A-Z][0-9A-Z/.\-]{2,39}$")


def admin_facility(actor: Actor) -> uuid.UUID:
    """The facility a facility admin manages; an admin without one manages nothing."""
    if actor.role != Role.facility_admin or actor.facility_id is None:
        raise Forbidden("errors.role_required")
    return actor.facility_id


async def own_practitioner(
    session: AsyncSession, actor: Actor, practitioner_id: uuid.UUID
) -> Practitioner:
    found = await repository.get_in_facility(session, practitioner_id, admin_facility(actor))
    if found is None:
        raise NotFound("admin.errors.practitioner_not_found")
    return found


def public(
    practitioner: Practitioner, user: User, specialties: Sequence[Specialty]
) -> PractitionerPublic:
    return PractitionerPublic(
        id=practitioner.id,
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        title=practitioner.title,
        practice_certificate_number=practitioner.practice_certificate_number,
        practice_scope=practitioner.practice_scope,
        email=user.email,
        phone=user.phone,
        accepts_online_booking=practitioner.accepts_online_booking,
        is_active=practitioner.is_active,
        specialties=[SpecialtyRef.model_validate(s) for s in specialties],
    )


async def list_practitioners(session: AsyncSession, actor: Actor) -> list[PractitionerPublic]:
    rows = await repository.list_with_users(session, admin_facility(actor))
    specialties = await repository.specialties_of(session, [p.id for p, _ in rows])
    return [public(p, u, specialties[p.id]) for p, u in rows]


async def read_practitioner(
    session: AsyncSession, actor: Actor, practitioner_id: uuid.UUID
) -> PractitionerPublic:
    practitioner = await own_practitioner(session, actor, practitioner_id)
    user = await session.get(User, practitioner.user_id)
    assert user is not None  # the foreign key guarantees it
    specialties = await repository.specialties_of(session, [practitioner.id])
    return public(practitioner, user, specialties[practitioner.id])


async def _check_profile(
    session: AsyncSession, facility_id: uuid.UUID, body: PractitionerProfile
) -> str | None:
    offered = await repository.offered_specialty_ids(session, facility_id)
    if any(sid not in offered for sid in body.specialty_ids):
        raise ValidationFailed("admin.errors.specialty_not_offered")
    if not body.phone:
        return None
    try:
        return validate_phone(body.phone)
    except InvalidIdentifier as exc:
        raise ValidationFailed(exc.key) from exc


async def create_practitioner(
    session: AsyncSession, actor: Actor, body: PractitionerCreate, *, now: datetime
) -> PractitionerPublic:
    """Create the clinician's login and the practitioner profile together (or neither)."""
    facility_id = admin_facility(actor)
    username = body.username.strip().lower()
    certificate = body.practice_certificate_number.strip().upper()
    if not _CCHN.match(certificate):
        raise ValidationFailed("admin.errors.cchn_format")
    phone = await _check_profile(session, facility_id, body)
    if await repository.username_taken(session, username):
        raise Conflict("admin.errors.username_taken", username=username)
    if await repository.certificate_taken(session, certificate):
        raise Conflict("admin.errors.cchn_taken")
    user = User(
        username=username,
        full_name=body.full_name.strip(),
        email=body.email or None,
        phone=phone,
        password_hash=await hash_password_async(body.password),
        role=Role.clinician,
        facility_id=facility_id,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    practitioner = Practitioner(
        user_id=user.id,
        facility_id=facility_id,
        practice_certificate_number=certificate,
        practice_scope=body.practice_scope.strip(),
        title=body.title.strip(),
        accepts_online_booking=body.accepts_online_booking,
        created_at=now,
    )
    session.add(practitioner)
    await session.flush()
    await repository.set_specialties(session, practitioner.id, body.specialty_ids)
    await session.flush()
    record(
        session,
        actor,
        "practitioner.create",
        resource_type="Practitioner",
        resource_id=practitioner.id,
        detail={"username": username, "cchn": certificate},
    )
    return await read_practitioner(session, actor, practitioner.id)


async def update_practitioner(
    session: AsyncSession, actor: Actor, practitioner_id: uuid.UUID, body: PractitionerProfile
) -> PractitionerPublic:
    practitioner = await own_practitioner(session, actor, practitioner_id)
    phone = await _check_profile(session, practitioner.facility_id, body)
    user = await session.get(User, practitioner.user_id)
    assert user is not None
    user.full_name = body.full_name.strip()
    user.email = body.email or None
    user.phone = phone
    practitioner.title = body.title.strip()
    practitioner.practice_scope = body.practice_scope.strip()
    practitioner.accepts_online_booking = body.accepts_online_booking
    await repository.set_specialties(session, practitioner.id, body.specialty_ids)
    await session.flush()
    record(
        session,
        actor,
        "practitioner.update",
        resource_type="Practitioner",
        resource_id=practitioner.id,
        detail={"specialties": [str(s) for s in body.specialty_ids]},
    )
    return await read_practitioner(session, actor, practitioner.id)


async def set_active(
    session: AsyncSession,
    actor: Actor,
    practitioner_id: uuid.UUID,
    active: bool,
    env: ScheduleEnv,
) -> SyncResult:
    """Deactivate (the account can no longer log in, free slots are withdrawn) or reactivate.

    Booked visits of a deactivated practitioner stay and are reported as conflicts: someone
    has to call those patients, the system must not silently cancel care.
    """
    practitioner = await own_practitioner(session, actor, practitioner_id)
    user = await session.get(User, practitioner.user_id)
    assert user is not None
    practitioner.is_active = active
    user.is_active = active
    await session.flush()
    result = await resync_after_change(session, env, [practitioner.id])
    record(
        session,
        actor,
        "practitioner.activate" if active else "practitioner.deactivate",
        resource_type="Practitioner",
        resource_id=practitioner.id,
        detail={"slots_withdrawn": result.deleted, "conflicts": len(result.conflicts)},
    )
    return result
