"""Patient rules: self-registration, the patient's own profile, and consents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.accounts.context import Actor
from telehealth.accounts.security import hash_password_async
from telehealth.audit.service import build_event, record
from telehealth.clock import to_local
from telehealth.errors import Conflict, NotFound
from telehealth.models import Consent, ConsentKind, Patient, Role, User
from telehealth.patients import repository
from telehealth.patients.schemas import PatientRegister, PatientUpdate
from telehealth.patients.terms import TERMS, TERMS_VERSION
from telehealth.patients.validation import (
    FieldCollector,
    check_date_of_birth,
    clean_cccd,
    clean_insurance,
    clean_phone,
)


@dataclass(frozen=True)
class Registered:
    user: User
    patient: Patient
    consents: list[ConsentKind]


async def register(
    session: AsyncSession,
    data: PatientRegister,
    *,
    now: datetime,
    lang: str,
    client_ip: str | None = None,
    request_id: str | None = None,
) -> Registered:
    """Create the account, the patient record and the consents ticked, or change nothing."""
    errors = FieldCollector()
    full_name = " ".join(data.full_name.split())
    if len(full_name) < 2:
        errors.add("full_name", "patients.errors.full_name")
    dob_error = check_date_of_birth(data.date_of_birth, to_local(now).date())
    if dob_error:
        errors.add("date_of_birth", dob_error)
    national_id = clean_cccd(
        errors,
        data.national_id,
        date_of_birth=None if dob_error else data.date_of_birth,
        sex=data.sex.value,
    )
    insurance = clean_insurance(errors, data.health_insurance_number)
    phone = clean_phone(errors, data.phone)
    if not data.consent_data_processing:
        # Health data is sensitive personal data (Decree 13/2023): no consent, no record.
        errors.add("consent_data_processing", "patients.errors.data_consent_required")
    errors.raise_if_any(lang)

    if await repository.username_taken(session, phone):
        raise Conflict("patients.errors.duplicate_phone", code="duplicate_phone")
    if await repository.national_id_taken(session, national_id):
        raise Conflict("patients.errors.duplicate_cccd", code="duplicate_cccd")

    user = User(
        username=phone,
        phone=phone,
        email=str(data.email) if data.email else None,
        full_name=full_name,
        password_hash=await hash_password_async(data.password),
        role=Role.patient,
        locale=lang,
        created_at=now,
    )
    patient = Patient(
        user_id=user.id,
        national_id=national_id,
        health_insurance_number=insurance,
        full_name=full_name,
        date_of_birth=data.date_of_birth,
        sex=data.sex,
        phone=phone,
        email=user.email,
        address=data.address.strip(),
        created_at=now,
    )
    kinds = [ConsentKind.data_processing]
    if data.consent_telemedicine:
        kinds.append(ConsentKind.telemedicine)
    event = build_event(
        None,
        "patient.register",
        resource_type="Patient",
        resource_id=patient.id,
        patient_id=patient.id,
        detail={"consents": [k.value for k in kinds], "terms_version": TERMS_VERSION},
        request_id=request_id,
        client_ip=client_ip,
    )
    # Nobody is logged in yet: the new user is the actor of their own registration.
    event.actor_user_id, event.actor_role = user.id, Role.patient.value
    try:
        # The tables have foreign keys but no ORM relationships, so the unit of work does
        # not order their INSERTs: flush parent rows first.
        session.add(user)
        await session.flush()
        session.add(patient)
        await session.flush()
        session.add_all([_new_consent(patient, kind, user, now) for kind in kinds])
        session.add(event)
        await session.flush()
    except IntegrityError as exc:
        # Two registrations with the same phone or CCCD raced past the checks above.
        raise Conflict("patients.errors.duplicate", code="duplicate_patient") from exc
    return Registered(user=user, patient=patient, consents=kinds)


def _new_consent(patient: Patient, kind: ConsentKind, user: User, now: datetime) -> Consent:
    return Consent(
        patient_id=patient.id,
        kind=kind,
        terms_version=TERMS[kind].version,
        method="online",
        recorded_by_user_id=user.id,
        granted_at=now,
    )


async def own_patient(session: AsyncSession, actor: Actor) -> Patient:
    """The caller's own patient record (a patient account without one is a 404)."""
    patient = await repository.patient_for_user(session, actor.user_id)
    if patient is None:
        raise NotFound("patients.errors.no_record")
    return patient


async def read_profile(session: AsyncSession, actor: Actor) -> Patient:
    patient = await own_patient(session, actor)
    record(
        session,
        actor,
        "patient.read",
        resource_type="Patient",
        resource_id=patient.id,
        patient_id=patient.id,
    )
    return patient


async def update_profile(
    session: AsyncSession, actor: Actor, data: PatientUpdate, *, lang: str
) -> Patient:
    patient = await own_patient(session, actor)
    errors = FieldCollector()
    changes: dict[str, str | None] = {}
    if data.phone is not None:
        changes["phone"] = clean_phone(errors, data.phone)
    if "health_insurance_number" in data.model_fields_set:
        changes["health_insurance_number"] = clean_insurance(errors, data.health_insurance_number)
    if "email" in data.model_fields_set:
        changes["email"] = str(data.email) if data.email else None
    if data.address is not None:
        changes["address"] = data.address.strip()
    errors.raise_if_any(lang)

    user = actor.user
    new_phone = changes.get("phone")
    if new_phone and new_phone != user.username:
        if await repository.username_taken(session, new_phone, except_user=user.id):
            raise Conflict("patients.errors.duplicate_phone", code="duplicate_phone")
        # The phone is the login name: both change together.
        user.username = user.phone = new_phone
    if "email" in changes:
        user.email = changes["email"]
    if data.locale is not None:
        user.locale = data.locale
    for name, value in changes.items():
        setattr(patient, name, value)
    session.add_all([user, patient])
    record(
        session,
        actor,
        "patient.update",
        resource_type="Patient",
        resource_id=patient.id,
        patient_id=patient.id,
        detail={"fields": sorted(changes) + (["locale"] if data.locale else [])},
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("patients.errors.duplicate_phone", code="duplicate_phone") from exc
    return patient


async def consent_history(session: AsyncSession, actor: Actor) -> tuple[Patient, list[Consent]]:
    patient = await own_patient(session, actor)
    history = await repository.consents(session, patient.id)
    record(
        session,
        actor,
        "consent.read",
        resource_type="Patient",
        resource_id=patient.id,
        patient_id=patient.id,
    )
    return patient, history


async def grant_consent(
    session: AsyncSession, actor: Actor, kind: ConsentKind, *, now: datetime
) -> Consent:
    """Record consent to the current terms; granting twice keeps the one already current."""
    patient = await own_patient(session, actor)
    current = TERMS[kind].version
    for consent in await repository.active_consents(session, patient.id, kind):
        if consent.terms_version == current:
            return consent
        # Agreeing to new terms supersedes the consent to the old ones.
        consent.withdrawn_at = now
        session.add(consent)
    consent = _new_consent(patient, kind, actor.user, now)
    session.add(consent)
    record(
        session,
        actor,
        "consent.grant",
        resource_type="Consent",
        resource_id=consent.id,
        patient_id=patient.id,
        detail={"kind": kind.value, "terms_version": current},
    )
    await session.flush()
    return consent


async def withdraw_consent(
    session: AsyncSession, actor: Actor, kind: ConsentKind, *, now: datetime
) -> list[Consent]:
    patient = await own_patient(session, actor)
    withdrawn = await repository.active_consents(session, patient.id, kind)
    if not withdrawn:
        raise Conflict("patients.errors.consent_not_active", code="consent_not_active")
    for consent in withdrawn:
        consent.withdrawn_at = now
        session.add(consent)
    record(
        session,
        actor,
        "consent.withdraw",
        resource_type="Patient",
        resource_id=patient.id,
        patient_id=patient.id,
        detail={"kind": kind.value},
    )
    await session.flush()
    return withdrawn


def consent_statuses(history: list[Consent], lang: str) -> list[dict[str, object]]:
    """For each kind of consent: its current terms, and whether the patient has agreed."""
    statuses: list[dict[str, object]] = []
    for kind, terms in TERMS.items():
        active = next((c for c in history if c.kind == kind and c.withdrawn_at is None), None)
        statuses.append(
            {
                "kind": kind,
                "title": terms.title_in(lang),
                "text": terms.text_in(lang),
                "current_version": terms.version,
                "active": active is not None,
                "active_version": active.terms_version if active else None,
                "needs_review": active is not None and active.terms_version != terms.version,
            }
        )
    return statuses
