"""The signed document: a self-contained JSON object built from a draft at signing time.

It carries everything a reader (or the FHIR bundle, or the PDF) needs without our database:
the patient, the facilities with their codes, the author with the practice certificate, the
participants, the period, each section, and the resolved chat excerpts and opinions. Its
RFC 8785 canonical form is what the signature's digest covers. Times are UTC strings and
there are no floats beyond the vital signs the requester typed, so the JSON column returns
exactly what was signed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from telehealth.consultations import repository as consultation_repository
from telehealth.consultations.context import ServiceContext
from telehealth.models import Facility, Patient, Practitioner, User
from telehealth.records import repository
from telehealth.records.access import Subject
from telehealth.records.schemas import MinutesContent, SummaryContent
from telehealth.records.summaries import remote_care_notice
from telehealth.terminology import lookup, remote_care_list

SCHEMAS = {
    "consultation_minutes": "vtelehealth.records/consultation-minutes/1",
    "encounter_summary": "vtelehealth.records/encounter-summary/1",
}
TITLES = {
    "consultation_minutes": "Biên bản hội chẩn",
    "encounter_summary": "Tóm tắt khám bệnh từ xa",
}


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _facility(facility: Facility) -> dict[str, Any]:
    return {"id": str(facility.id), "code": facility.code, "name": facility.name}


def _patient(patient: Patient) -> dict[str, Any]:
    return {
        "id": str(patient.id),
        "full_name": patient.full_name,
        "national_id": patient.national_id,
        "health_insurance_number": patient.health_insurance_number,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": str(patient.sex),
    }


def _author(practitioner: Practitioner, user: User, facility: Facility) -> dict[str, Any]:
    return {
        "user_id": str(user.id),
        "practitioner_id": str(practitioner.id),
        "full_name": user.full_name,
        "title": practitioner.title,
        "practice_certificate_number": practitioner.practice_certificate_number,
        "facility": _facility(facility),
    }


def _diagnoses(codes: list[str]) -> list[dict[str, Any]]:
    out = []
    for code in codes:
        found = lookup(code)
        out.append({
            "code": code,
            "title": (found.title("vi") if found else code),
            "title_en": found.title_en if found else code,
        })
    return out


def _disposition(content: MinutesContent | SummaryContent) -> dict[str, Any]:
    return {
        "kind": str(content.disposition) if content.disposition else None,
        "note": content.disposition_note.strip(),
        "follow_up_on": _date(content.follow_up_on),
    }


async def _chat(
    ctx: ServiceContext, subject: Subject, ids: list[uuid.UUID]
) -> list[dict[str, Any]]:
    # Only lines of this subject's own room: an id from another room is silently not quoted.
    lines = await repository.chat_lines(ctx.session, subject.room, ids)
    return [{"id": str(line.id), "at": iso(line.sent_at), "author": line.display_name,
             "text": line.text} for line in lines]


async def _participants(
    ctx: ServiceContext, content: MinutesContent
) -> list[dict[str, Any]]:
    known = await repository.users_with_facility(
        ctx.session, [p.user_id for p in content.participants if p.user_id]
    )
    out = []
    for p in content.participants:
        found = known.get(p.user_id) if p.user_id else None
        practitioner = found[2] if found else None
        facility = found[1] if found else None
        out.append({
            "name": p.name,
            "role": p.role,
            "facility": p.facility,
            "facility_code": facility.code if facility else None,
            "user_id": str(p.user_id) if p.user_id else None,
            "practice_certificate_number": (
                practitioner.practice_certificate_number if practitioner else None
            ),
        })
    return out


async def build(
    ctx: ServiceContext,
    subject: Subject,
    content: MinutesContent | SummaryContent,
    *,
    document_id: uuid.UUID,
    version: int,
    replaces: uuid.UUID | None,
    author: tuple[Practitioner, User, Facility],
) -> dict[str, Any]:
    patient = await ctx.session.get(Patient, subject.patient_id)
    assert patient is not None
    kind = str(subject.kind)
    document: dict[str, Any] = {
        "schema": SCHEMAS[kind],
        "kind": kind,
        "id": str(document_id),
        "version": version,
        "replaces": str(replaces) if replaces else None,
        "title": TITLES[kind],
        "language": "vi",
        "patient": _patient(patient),
        "author": _author(*author),
        "period": {"start": iso(content.started_at), "end": iso(content.ended_at)},
        "diagnoses": _diagnoses(content.diagnosis_codes),
        "disposition": _disposition(content),
        "chat_excerpts": await _chat(ctx, subject, content.chat_excerpt_ids),
    }
    if isinstance(content, MinutesContent):
        document |= await _minutes_part(ctx, subject, content)
    else:
        document |= await _summary_part(ctx, subject, content)
    return document


async def _minutes_part(
    ctx: ServiceContext, subject: Subject, content: MinutesContent
) -> dict[str, Any]:
    request = subject.consultation
    assert request is not None
    requesting = await ctx.session.get(Facility, request.requesting_facility_id)
    consulting = await ctx.session.get(Facility, request.consulting_facility_id)
    assert requesting is not None and consulting is not None
    answers = {a.question_id: a.conclusion.strip() for a in content.answers}
    questions = await consultation_repository.questions(ctx.session, request.id)
    opinions = await repository.opinions(ctx.session, request.id)
    return {
        "consultation": {
            "id": str(request.id),
            "activity": str(request.activity),
            "urgency": str(request.urgency),
            "requesting_facility": _facility(requesting),
            "consulting_facility": _facility(consulting),
            "reason": request.reason,
            "history": request.history,
            "vitals": dict(request.vitals),
            "provisional_diagnoses": _diagnoses(list(request.diagnosis_codes)),
            "submitted_at": iso(request.submitted_at),
        },
        "participants": await _participants(ctx, content),
        "case_summary": content.case_summary.strip(),
        "questions": [
            {"id": str(q.id), "position": q.position, "question": q.text,
             "conclusion": answers.get(q.id, "")}
            for q in questions
        ],
        "conclusion": content.conclusion.strip(),
        "recommendations": content.recommendations.strip(),
        "opinions": [
            {"author": user.full_name, "facility": facility.name if facility else "",
             "text": opinion.text, "at": iso(opinion.updated_at)}
            for opinion, user, facility in opinions
        ],
    }


async def _summary_part(
    ctx: ServiceContext, subject: Subject, content: SummaryContent
) -> dict[str, Any]:
    visit = subject.appointment
    assert visit is not None
    facility = await ctx.session.get(Facility, visit.facility_id)
    assert facility is not None
    notice = remote_care_notice(content.diagnosis_codes)
    current = remote_care_list()
    return {
        "visit": {
            "appointment_id": str(visit.id),
            "facility": _facility(facility),
            "reason": visit.reason,
            "scheduled_start": iso(visit.start_at),
        },
        "findings": content.findings.strip(),
        "advice": content.advice.strip(),
        # What the doctor was shown at signing: kept with the document for later review.
        "remote_care_check": {
            "list": current.id,
            "list_complete": current.complete,
            "not_found": [c.code for c in notice.codes] if notice else [],
        },
    }
