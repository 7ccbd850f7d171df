"""Consultation attachments API: upload (multipart) and authorised download."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from telehealth.attachments.service import response_headers
from telehealth.attachments.storage import AttachmentStorage, create_storage
from telehealth.consultations import files, service
from telehealth.consultations.context import StaffContext
from telehealth.consultations.schemas import AttachmentPublic
from telehealth.deps import SettingsDep
from telehealth.errors import PayloadTooLarge, ValidationFailed
from telehealth.models import Attachment, AttachmentKind

router = APIRouter(prefix="/consultations", tags=["consultations"])

# Room for the multipart envelope and the other form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024


async def refuse_oversized_body(request: Request, settings: SettingsDep) -> None:
    """A declared length over the limit is refused before a byte of the body is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.attachment_max_bytes + MULTIPART_OVERHEAD:
        raise PayloadTooLarge(
            "attachments.errors.too_large",
            megabytes=settings.attachment_max_bytes // (1024 * 1024),
        )


def _storage(settings: SettingsDep) -> AttachmentStorage:
    return create_storage(settings)


StorageDep = Annotated[AttachmentStorage, Depends(_storage)]


def attachment_public(consultation_id: uuid.UUID, a: Attachment) -> AttachmentPublic:
    return AttachmentPublic(
        id=a.id, kind=a.kind, file_name=a.file_name, content_type=a.content_type,
        size_bytes=a.size_bytes, created_at=a.created_at,
        url=service.attachment_url(consultation_id, a.id),
    )


@router.post(
    "/{consultation_id}/attachments",
    response_model=AttachmentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Attach a photo, PDF, ECG or X-ray",
    description="multipart/form-data with `file` and `kind` (photo, document, ecg, xray, "
    "other). The type is judged from the bytes: JPEG, PNG, WebP, PDF or DICOM only (415 "
    "otherwise, whatever the file is called); larger than the configured limit is 413. "
    "Nothing is kept from a refused upload.",
    responses={413: {"description": "Too large"}, 415: {"description": "Not an accepted type"},
               404: {"description": "No such request, or not the caller's"}},
    dependencies=[Depends(refuse_oversized_body)],
)
async def upload_attachment(
    request: Request, ctx: StaffContext, storage: StorageDep, consultation_id: uuid.UUID
) -> AttachmentPublic:
    viewer = await service.load(ctx, consultation_id)
    files.check_may_attach(ctx, viewer)
    # As a context manager, so the multipart parser's temporary files are closed after use.
    async with request.form(max_files=1, max_fields=20) as form:
        upload = form.get("file")
        raw_kind = form.get("kind") or AttachmentKind.other.value
        if not isinstance(upload, UploadFile):
            raise ValidationFailed("attachments.errors.no_file",
                                   details=[{"field": "file", "type": "missing"}])
        try:
            kind = AttachmentKind(str(raw_kind))
        except ValueError:
            raise ValidationFailed("attachments.errors.kind",
                                   details=[{"field": "kind", "type": "enum"}]) from None
        attachment = await files.add(ctx, viewer, storage, upload, file_name=upload.filename,
                                     kind=kind)
    return attachment_public(consultation_id, attachment)


@router.get(
    "/{consultation_id}/attachments/{attachment_id}",
    summary="Download or view an attachment",
    description="Only for people who may see the request. Images and PDFs open inline; DICOM "
    "files download. Sent with `Content-Disposition`, `X-Content-Type-Options: nosniff` and "
    "`Cache-Control: private, no-store`.",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {},
                                 "application/pdf": {}, "application/dicom": {}}},
               404: {"description": "No such attachment, or not the caller's"}},
)
async def download_attachment(
    ctx: StaffContext, storage: StorageDep, consultation_id: uuid.UUID, attachment_id: uuid.UUID
) -> StreamingResponse:
    viewer = await service.load(ctx, consultation_id)
    attachment, chunks = await files.open_for_reading(ctx, viewer, storage, attachment_id)
    return StreamingResponse(chunks, media_type=attachment.content_type,
                             headers=response_headers(attachment))
