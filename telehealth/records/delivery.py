"""Where each signed document's write-back to the health record platform stands, and the
retry the author or their facility's administrator may ask for."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.audit.service import record
from telehealth.consultations.context import ServiceContext
from telehealth.errors import NotFound
from telehealth.models import ClinicalDocument, DocumentKind, OutboxMessage, OutboxStatus
from telehealth.models.records import subject_key
from telehealth.outbox import service as outbox
from telehealth.records import repository
from telehealth.records.access import Subject, may_manage_delivery
from telehealth.records.schemas import DeliveryState


def state_of(message: OutboxMessage) -> DeliveryState:
    """pending (not tried yet, or waiting for a platform to be configured), failed (tried,
    will be tried again), delivered, dead (out of attempts or refused for good)."""
    if message.status == OutboxStatus.delivered:
        status = "delivered"
    elif message.status == OutboxStatus.dead:
        status = "dead"
    elif message.attempts > 0:
        status = "failed"
    else:
        status = "pending"
    return DeliveryState(
        status=status,  # type: ignore[arg-type]
        attempts=message.attempts,
        last_error=message.last_error,
        last_attempt_at=message.last_attempt_at,
        next_attempt_at=message.next_attempt_at if status in ("pending", "failed") else None,
        delivered_at=message.delivered_at,
        message_id=message.id,
    )


async def state_for(session: AsyncSession, document: ClinicalDocument) -> DeliveryState:
    found = await repository.outbox_messages(session, [document.outbox_message_id])
    return state_of(found[document.outbox_message_id])


async def delivery_status_for(
    session: AsyncSession, consultation_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, DeliveryState]:
    """The delivery of each consultation's latest signed minutes, by consultation id.

    For registers and dashboards (one query for the documents, one for their messages).
    Consultations without signed minutes are absent from the answer. The caller checks who
    may see the register; nothing here is patient data.
    """
    subjects = {subject_key(DocumentKind.consultation_minutes, cid): cid
                for cid in consultation_ids}
    latest = await repository.latest_by_subjects(session, list(subjects))
    messages = await repository.outbox_messages(session, [d.outbox_message_id for d in latest])
    return {subjects[d.subject]: state_of(messages[d.outbox_message_id]) for d in latest}


async def retry(ctx: ServiceContext, subject: Subject, document: ClinicalDocument) -> DeliveryState:
    """Send a failed or dead delivery again now, with a fresh attempt budget."""
    if not may_manage_delivery(ctx, subject, document):
        # Readers who are neither author nor administrator do not learn about deliveries.
        raise NotFound("records.errors.not_found")
    message = await outbox.retry(ctx.session, document.outbox_message_id, now=ctx.now)
    record(ctx.session, ctx.actor, "record.delivery.retry", resource_type="ClinicalDocument",
           resource_id=document.id, patient_id=document.patient_id, purpose="operations",
           detail={"outbox_message_id": str(message.id)}, clock=ctx.clock)
    return state_of(message)
