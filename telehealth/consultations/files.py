"""Attachments of a request: who may add them, and reading them back (both audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from telehealth.attachments import service as attachments
from telehealth.attachments.spool import Readable
from telehealth.attachments.storage import AttachmentStorage
from telehealth.audit.service import record
from telehealth.consultations.access import Viewer
from telehealth.consultations.context import ServiceContext
from telehealth.consultations.states import ACTIVE, TERMINAL, Party
from telehealth.consultations.timeline import add_event
from telehealth.errors import Conflict, Forbidden, NotFound
from telehealth.models import Attachment, AttachmentKind, ConsultationStatus


def check_may_attach(ctx: ServiceContext, viewer: Viewer) -> None:
    """The requesting side adds files until the request is finished; the consultants (e.g. an
    annotated image) while they work on it."""
    status = ConsultationStatus(viewer.request.status)
    if Party.requester in viewer.parties and status not in TERMINAL:
        return
    if viewer.parties & {Party.consultant, Party.invitee} and status in ACTIVE:
        return
    if viewer.parties & {Party.requester, Party.consultant, Party.invitee}:
        raise Conflict(
            "consultations.errors.attach_closed",
            code="attach_closed",
            details={"status": status.value},
        )
    raise Forbidden("consultations.errors.not_permitted")


async def add(
    ctx: ServiceContext,
    viewer: Viewer,
    storage: AttachmentStorage,
    source: Readable,
    *,
    file_name: str | None,
    kind: AttachmentKind,
) -> Attachment:
    check_may_attach(ctx, viewer)
    attachment = await attachments.store(
        ctx.session,
        storage,
        source,
        file_name=file_name,
        consultation_id=viewer.request.id,
        kind=kind,
        uploaded_by=ctx.actor.user_id,
        now=ctx.now,
        max_bytes=ctx.settings.attachment_max_bytes,
    )
    status = ConsultationStatus(viewer.request.status)
    add_event(ctx.session, viewer.request, "attach", actor=ctx.actor, at=ctx.now, clock=ctx.clock,
              from_status=status, to_status=status,
              detail={"attachment_id": str(attachment.id), "kind": kind.value,
                      "file_name": attachment.file_name, "size_bytes": attachment.size_bytes})
    return attachment


async def open_for_reading(
    ctx: ServiceContext, viewer: Viewer, storage: AttachmentStorage, attachment_id: object
) -> tuple[Attachment, AsyncIterator[bytes]]:
    attachment = await ctx.session.get(Attachment, attachment_id)
    if attachment is None or attachment.consultation_id != viewer.request.id:
        raise NotFound("consultations.errors.attachment_not_found")
    record(ctx.session, ctx.actor, "attachment.read", resource_type="Attachment",
           resource_id=attachment.id, patient_id=viewer.request.patient_id,
           detail={"consultation_id": str(viewer.request.id)}, clock=ctx.clock)
    return attachment, attachments.stream(storage, attachment)
