"""Signing a draft: one transaction makes the signed version, its PDF, its pending delivery to
the health record platform and (for a consultation's first minutes) the `conclude`
transition. If any step fails, none of it exists: there is never a signed document without
its delivery, nor a concluded consultation without signed minutes.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from telehealth.audit.service import record
from telehealth.consultations import access as consultation_access
from telehealth.consultations import actions
from telehealth.consultations import repository as consultation_repository
from telehealth.consultations.context import ServiceContext
from telehealth.consultations.live import notify_users, queue_channel
from telehealth.consultations.schemas import ConcludeBody
from telehealth.consultations.states import ACTIVE
from telehealth.consultations.timeline import add_event
from telehealth.db import after_commit
from telehealth.errors import Conflict, Forbidden
from telehealth.fhir.identifiers import IdentifierSystems
from telehealth.ids import new_id
from telehealth.models import ClinicalDocument, ConsultationStatus, DocumentKind, RecordDraft
from telehealth.outbox.fhir_handler import FHIR_BUNDLE, fhir_bundle_payload
from telehealth.outbox.service import enqueue
from telehealth.patients.validation import FieldErrors
from telehealth.records import document as documents
from telehealth.records import drafts, repository
from telehealth.records.access import Subject
from telehealth.records.bundle import build_bundle
from telehealth.records.pdf import render_pdf
from telehealth.records.schemas import MinutesContent
from telehealth.signatures import keys
from telehealth.signatures.signing import sign


def outbox_key(kind: DocumentKind, document_id: uuid.UUID, version: int) -> str:
    return f"{FHIR_BUNDLE}:{kind}:{document_id}:v{version}"


async def _signing_key(ctx: ServiceContext, practitioner_id: uuid.UUID) -> keys.SigningKey:
    """The practitioner's active key, created on their first signature."""
    row = await keys.active_key(ctx.session, practitioner_id)
    if row is None:
        _, key = await keys.create_key(ctx.session, practitioner_id, settings=ctx.settings,
                                       now=ctx.now)
        return key
    return keys.unlock(row, settings=ctx.settings)


async def sign_draft(ctx: ServiceContext, subject: Subject, draft: RecordDraft) -> ClinicalDocument:
    if not subject.may_write or draft.author_user_id != ctx.actor.user_id:
        raise Forbidden("records.errors.not_author")
    content = drafts.parse(subject.kind, draft.content)
    missing = await drafts.missing(ctx, subject, content)
    if missing:
        raise FieldErrors({key.rsplit(".", 1)[-1]: key for key in missing}, ctx.lang)
    author = await repository.practitioner_with_user(ctx.session, ctx.actor.user_id)
    if author is None:
        raise Forbidden("records.errors.not_practitioner")
    latest = await repository.latest(ctx.session, subject.key)
    if (latest.id if latest else None) != draft.replaces_id:
        # Someone signed a version of this subject after this draft was opened.
        raise Conflict("records.errors.stale_draft", code="stale_draft")
    version = latest.version + 1 if latest else 1

    document_id = new_id()
    document = await documents.build(ctx, subject, content, document_id=document_id,
                                     version=version, replaces=draft.replaces_id, author=author)
    key = await _signing_key(ctx, author[0].id)
    signature = sign(document, key, clock=ctx.clock)
    pdf = render_pdf(document, signature)
    bundle = build_bundle(document, signature, key.public_key, pdf,
                          IdentifierSystems.from_settings(ctx.settings))
    message = await enqueue(ctx.session, kind=FHIR_BUNDLE,
                            key=outbox_key(subject.kind, document_id, version),
                            payload=fhir_bundle_payload(bundle), now=ctx.now)

    if isinstance(content, MinutesContent):
        await _conclude_consultation(ctx, subject, content, first=latest is None)
    signed = ClinicalDocument(
        id=document_id,
        kind=subject.kind,
        subject=subject.key,
        version=version,
        replaces_id=draft.replaces_id,
        consultation_id=subject.consultation.id if subject.consultation else None,
        appointment_id=subject.appointment.id if subject.appointment else None,
        patient_id=subject.patient_id,
        facility_id=author[0].facility_id,
        author_user_id=ctx.actor.user_id,
        author_practitioner_id=author[0].id,
        title=document["title"],
        document=document,
        signature=signature.to_dict(),
        key_id=signature.key_id,
        signed_at=signature.signed_at,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        outbox_message_id=message.id,
    )
    ctx.session.add(signed)
    await ctx.session.delete(draft)
    await ctx.session.flush()
    record(ctx.session, ctx.actor, "record.sign", resource_type="ClinicalDocument",
           resource_id=signed.id, patient_id=signed.patient_id, purpose="treatment",
           detail={"kind": str(signed.kind), "version": version, "key_id": signature.key_id,
                   "outbox_message_id": str(message.id)}, clock=ctx.clock)
    await _announce(ctx, subject, signed)
    return signed


async def _conclude_consultation(
    ctx: ServiceContext, subject: Subject, content: MinutesContent, *, first: bool
) -> None:
    """First minutes: the `conclude` transition with the minutes' answers, so that concluded
    and "signed minutes exist" are one fact. A correction updates the answers shown on the
    request and notes it on the timeline; the state stays concluded (or closed)."""
    request = subject.consultation
    assert request is not None
    answers = [{"question_id": a.question_id, "answer": a.conclusion.strip()}
               for a in content.answers if a.conclusion.strip()]
    if first:
        if request.status not in ACTIVE:
            raise Conflict("records.errors.consultation_not_active", code="not_active")
        viewer = await consultation_access.load(ctx.session, ctx.actor, request.id,
                                                clock=ctx.clock, audit_action=None)
        await actions.conclude(ctx, viewer, ConcludeBody.model_validate({
            "answers": answers, "summary": content.conclusion.strip(),
            "recommendations": content.recommendations.strip()}))
        return
    given = {a.question_id: a.conclusion.strip() for a in content.answers
             if a.conclusion.strip()}
    for question in await consultation_repository.questions(ctx.session, request.id):
        if question.id in given:
            question.answer = given[question.id]
            question.answered_by_user_id = ctx.actor.user_id
            question.answered_at = ctx.now
            ctx.session.add(question)
    request.conclusion_summary = content.conclusion.strip()
    request.recommendations = content.recommendations.strip()
    request.updated_at = ctx.now
    ctx.session.add(request)
    add_event(ctx.session, request, "correct_minutes", actor=ctx.actor, at=ctx.now,
              clock=ctx.clock, from_status=ConsultationStatus(request.status),
              to_status=ConsultationStatus(request.status))


async def _announce(ctx: ServiceContext, subject: Subject, signed: ClinicalDocument) -> None:
    """After commit: the requesting station's lists learn of it at once, and the requester
    (or, for a correction, everyone on the case) is told in their inbox."""
    if subject.consultation is None or subject.requesting_facility_id is None:
        return
    request = subject.consultation
    message: dict[str, Any] = {
        "type": "record.signed",
        "consultation_id": str(request.id),
        "document_id": str(signed.id),
        "version": signed.version,
    }
    facilities = dict.fromkeys([subject.requesting_facility_id, request.consulting_facility_id])

    async def _publish() -> None:
        for facility_id in facilities:
            await ctx.bus.publish(queue_channel(facility_id), message)

    after_commit(ctx.session, _publish)
    # The first version's "concluded" notice comes from the transition itself; a
    # correction needs its own, or the requester would keep acting on the old advice.
    if signed.version == 1:
        return
    people = [request.requested_by_user_id,
              *await consultation_repository.participant_user_ids(ctx.session, request.id)]
    await notify_users(ctx.session, ctx.bus, people, request=request,
                       kind="minutes_signed", now=ctx.now, skip=ctx.actor.user_id,
                       version=signed.version)
