"""Reading documents: a version with its history and (for the author and the facility
administrator) its delivery; the latest version of a subject; lists per person."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import col

from telehealth.consultations.context import ServiceContext
from telehealth.errors import NotFound
from telehealth.models import ClinicalDocument, DocumentKind, Patient, Role
from telehealth.records import repository
from telehealth.records.access import (
    NOT_FOUND,
    Subject,
    audit_read,
    document_subject,
    may_manage_delivery,
)

# Re-exported for other domains (the regulator's consultation register).
from telehealth.records.delivery import (
    delivery_status_for,
    state_for,
)
from telehealth.records.schemas import DocumentPublic, DocumentSummary

__all__ = ["delivery_status_for", "documents_for_actor", "latest_for", "load", "public"]


async def load(ctx: ServiceContext, document_id: uuid.UUID) -> tuple[ClinicalDocument, Subject]:
    """A version the caller may read, or 404; the read is audited."""
    document = await repository.document(ctx.session, document_id)
    if document is None:
        raise NotFound(NOT_FOUND)
    subject = await document_subject(ctx, document)
    audit_read(ctx, document)
    return document, subject


def summary(document: ClinicalDocument, latest_version: int) -> DocumentSummary:
    return DocumentSummary(
        id=document.id, kind=document.kind, subject=document.subject, version=document.version,
        replaces_id=document.replaces_id, title=document.title, signed_at=document.signed_at,
        author_user_id=document.author_user_id, key_id=document.key_id,
        pdf_sha256=document.pdf_sha256, is_latest=document.version == latest_version,
    )


async def public(
    ctx: ServiceContext, document: ClinicalDocument, subject: Subject
) -> DocumentPublic:
    history = await repository.versions(ctx.session, document.subject)
    newest = history[-1].version
    delivery = (await state_for(ctx.session, document)
                if may_manage_delivery(ctx, subject, document) else None)
    return DocumentPublic(
        **summary(document, newest).model_dump(),
        document=document.document,
        signature=document.signature,
        delivery=delivery,
        history=[summary(d, newest) for d in history],
    )


async def latest_for(ctx: ServiceContext, subject: Subject) -> ClinicalDocument | None:
    return await repository.latest(ctx.session, subject.key)


async def documents_for_actor(ctx: ServiceContext) -> list[ClinicalDocument]:
    """What the records page lists: a doctor's own documents, an administrator's facility's,
    a patient's visit summaries."""
    actor = ctx.actor
    D = ClinicalDocument
    if actor.role == Role.patient:
        mine = select(col(Patient.id)).where(col(Patient.user_id) == actor.user_id)
        return await repository.documents_where(
            ctx.session, col(D.patient_id).in_(mine),
            col(D.kind) == DocumentKind.encounter_summary)
    if actor.role == Role.facility_admin and actor.facility_id is not None:
        return await repository.documents_where(
            ctx.session, col(D.facility_id) == actor.facility_id)
    return await repository.documents_where(ctx.session, col(D.author_user_id) == actor.user_id)
