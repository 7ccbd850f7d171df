"""The patient side of a new request: find by CCCD, register on the spot, record consent.

Station staff often see people who have no account; the staff member registers them and
records, as a witness, the consents the patient gave in person (method "in_person").
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from telehealth.audit.service import record
from telehealth.clock import to_local
from telehealth.consultations.context import ServiceContext
from telehealth.consultations.schemas import NewPatient
from telehealth.errors import Conflict, NotFound
from telehealth.models import Consent, ConsentKind, Patient
from telehealth.patients.identifiers import InvalidIdentifier, validate_cccd
from telehealth.patients.terms import TERMS
from telehealth.patients.validation import (
    FieldCollector,
    FieldErrors,
    check_date_of_birth,
    clean_cccd,
    clean_insurance,
    clean_phone,
)

REQUIRED_CONSENTS = (ConsentKind.telemedicine, ConsentKind.data_processing)


async def find_by_national_id(ctx: ServiceContext, national_id: str) -> Patient | None:
    """Exact CCCD match only (no partial search): staff must hold the card to find someone."""
    try:
        digits = validate_cccd(national_id)
    except InvalidIdentifier as exc:
        raise FieldErrors({"national_id": exc.key}, ctx.lang) from None
    stmt = select(Patient).where(Patient.national_id == digits)
    patient = (await ctx.session.execute(stmt)).scalar_one_or_none()
    record(
        ctx.session,
        ctx.actor,
        "patient.lookup",
        resource_type="Patient",
        resource_id=patient.id if patient else None,
        patient_id=patient.id if patient else None,
        purpose="consultation_request",
        detail={"found": patient is not None},
        clock=ctx.clock,
    )
    return patient


async def get_patient(ctx: ServiceContext, patient_id: object) -> Patient:
    patient = await ctx.session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("consultations.errors.patient_not_found")
    return patient


async def register(ctx: ServiceContext, data: NewPatient) -> Patient:
    errors = FieldCollector()
    full_name = " ".join(data.full_name.split())
    if len(full_name) < 2:
        errors.add("new_patient.full_name", "patients.errors.full_name")
    dob_error = check_date_of_birth(data.date_of_birth, to_local(ctx.now).date())
    if dob_error:
        errors.add("new_patient.date_of_birth", dob_error)
    field_errors = FieldCollector()
    national_id = clean_cccd(
        field_errors,
        data.national_id,
        date_of_birth=None if dob_error else data.date_of_birth,
        sex=data.sex.value,
    )
    insurance = clean_insurance(field_errors, data.health_insurance_number)
    phone = clean_phone(field_errors, data.phone) if data.phone else None
    for name, key in field_errors.errors.items():
        errors.add(f"new_patient.{name}", key)
    errors.raise_if_any(ctx.lang)

    stmt = select(Patient.id).where(Patient.national_id == national_id)
    existing = await ctx.session.execute(stmt)
    if existing.first() is not None:
        raise Conflict("patients.errors.duplicate_cccd", code="duplicate_cccd")
    patient = Patient(
        national_id=national_id,
        health_insurance_number=insurance,
        full_name=full_name,
        date_of_birth=data.date_of_birth,
        sex=data.sex,
        phone=phone,
        address=data.address.strip(),
        province_code=None,
        registered_by_facility_id=ctx.actor.facility_id,
        created_at=ctx.now,
    )
    ctx.session.add(patient)
    try:
        await ctx.session.flush()
    except IntegrityError as exc:
        # Another station registered the same CCCD a moment ago.
        raise Conflict("patients.errors.duplicate_cccd", code="duplicate_cccd") from exc
    record(ctx.session, ctx.actor, "patient.register", resource_type="Patient",
           resource_id=patient.id, patient_id=patient.id,
           detail={"by": "station_staff"}, clock=ctx.clock)
    return patient


async def missing_consents(ctx: ServiceContext, patient: Patient) -> list[ConsentKind]:
    stmt = select(Consent.kind).where(
        Consent.patient_id == patient.id,
        Consent.withdrawn_at.is_(None),  # type: ignore[union-attr]
    )
    active = {ConsentKind(k) for k in (await ctx.session.execute(stmt)).scalars()}
    return [kind for kind in REQUIRED_CONSENTS if kind not in active]


async def ensure_consents(ctx: ServiceContext, patient: Patient, *, obtained: bool) -> None:
    """Remote care needs both consents; record those the patient just gave in person."""
    missing = await missing_consents(ctx, patient)
    if not missing:
        return
    if not obtained:
        raise FieldErrors({"consent_obtained": "consultations.errors.consent_required"}, ctx.lang)
    for kind in missing:
        consent = Consent(
            patient_id=patient.id,
            kind=kind,
            terms_version=TERMS[kind].version,
            method="in_person",
            recorded_by_user_id=ctx.actor.user_id,
            granted_at=ctx.now,
        )
        ctx.session.add(consent)
        record(ctx.session, ctx.actor, "consent.grant", resource_type="Consent",
               resource_id=consent.id, patient_id=patient.id,
               detail={"kind": kind.value, "method": "in_person",
                       "terms_version": TERMS[kind].version}, clock=ctx.clock)
    await ctx.session.flush()
