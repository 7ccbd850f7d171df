"""Reading documents: a version with its history and (for the author and the facility
administrator) its delivery; the latest version of a subject; lists per person."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import col

from telehealth.consultations.context import ServiceContext
from telehealth.errors import Forbidden, NotFound
from telehealth.models import (
    ClinicalDocument,
    DocumentKind,
    OutboxMessage,
    OutboxStatus,
    Patient,
    Role,
)
from telehealth.records import repository
from telehealth.records.access import (
    NOT_FOUND,
    Subject,
    audit_read,
    document_subject,
    may_manage_delivery,
)

# delivery_status_for and state_for are re-exported for other domains (the regulator's
# consultation register).
from telehealth.records.delivery import (
    delivery_status_for,
    state_for,
    state_of,
)
from telehealth.records.schemas import DeliveryState, DocumentPublic, DocumentSummary

__all__ = [
    "delivery_status_for", "documents_for_actor", "latest_for", "load", "public",
    "undelivered_for_actor", "with_delivery",
]


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


async def documents_for_actor(ctx: ServiceContext, *also: Any) -> list[ClinicalDocument]:
    """What the records page lists: a doctor's own documents, an administrator's facility's,
    a patient's visit summaries (`also`: further conditions on ClinicalDocument)."""
    actor = ctx.actor
    D = ClinicalDocument
    if actor.role == Role.patient:
        mine = select(col(Patient.id)).where(col(Patient.user_id) == actor.user_id)
        return await repository.documents_where(
            ctx.session, col(D.patient_id).in_(mine),
            col(D.kind) == DocumentKind.encounter_summary, *also)
    if actor.role == Role.facility_admin and actor.facility_id is not None:
        return await repository.documents_where(
            ctx.session, col(D.facility_id) == actor.facility_id, *also)
    return await repository.documents_where(
        ctx.session, col(D.author_user_id) == actor.user_id, *also)


# Who follows write-backs: the author and the facility's administrator (as on each document).
DELIVERY_FOLLOWERS = (Role.clinician, Role.facility_admin)


async def undelivered_for_actor(
    ctx: ServiceContext,
) -> list[tuple[ClinicalDocument, DeliveryState]]:
    """The caller's documents whose write-back needs a person: failed (it will be tried
    again) or dead (it will not, until retried); a doctor's own, the facility's for its
    administrator. Newest first."""
    if ctx.actor.role not in DELIVERY_FOLLOWERS:
        raise Forbidden("errors.role_required")
    M = OutboxMessage
    stuck = select(col(M.id)).where(or_(
        col(M.status) == OutboxStatus.dead,
        and_(col(M.status) == OutboxStatus.pending, col(M.attempts) > 0),
    ))
    return await with_delivery(ctx, await documents_for_actor(
        ctx, col(ClinicalDocument.outbox_message_id).in_(stuck)))


async def with_delivery(
    ctx: ServiceContext, documents: list[ClinicalDocument]
) -> list[tuple[ClinicalDocument, DeliveryState]]:
    """Each document with its write-back's state (one query for all)."""
    messages = await repository.outbox_messages(
        ctx.session, [d.outbox_message_id for d in documents])
    return [(d, state_of(messages[d.outbox_message_id])) for d in documents]
