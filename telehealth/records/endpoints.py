"""Records API: write, sign and correct minutes and summaries, read them, verify signatures,
follow and retry the write-back to the health record platform."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Body, status
from fastapi.responses import Response

from telehealth.accounts.deps import OptionalActor
from telehealth.audit.service import record
from telehealth.consultations.context import ServiceContext
from telehealth.db import SessionDep
from telehealth.errors import NotFound
from telehealth.models import DocumentKind, RecordDraft
from telehealth.records import delivery, drafts, minutes, service, verification
from telehealth.records.access import NOT_FOUND, Subject, audit_read, draft_subject, subject_for
from telehealth.records.context import RecordsContext
from telehealth.records.schemas import (
    DeliveryState,
    DocumentPublic,
    DraftPublic,
    MinutesContent,
    OpinionBody,
    SummaryContent,
    UndeliveredDocument,
    Verification,
    VerifyBody,
)
from telehealth.records.signing import sign_draft
from telehealth.records.summaries import remote_care_notice

router = APIRouter(prefix="/records", tags=["records"])
signatures_router = APIRouter(prefix="/signatures", tags=["records"])

_PRIVATE: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such document or subject, or not the caller's to see"}}


async def draft_public(ctx: ServiceContext, subject: Subject, draft: RecordDraft) -> DraftPublic:
    content = drafts.parse(subject.kind, draft.content)
    notice = (remote_care_notice(content.diagnosis_codes, ctx.lang)
              if subject.kind == DocumentKind.encounter_summary else None)
    return DraftPublic(
        id=draft.id, kind=draft.kind, subject=draft.subject, author_user_id=draft.author_user_id,
        replaces_id=draft.replaces_id, content=draft.content, updated_at=draft.updated_at,
        missing=await drafts.missing(ctx, subject, content), remote_care=notice,
    )


async def load_draft(ctx: ServiceContext, draft_id: uuid.UUID) -> tuple[RecordDraft, Subject]:
    """The caller's own draft (a draft is its author's working copy: others get 404)."""
    draft = await ctx.session.get(RecordDraft, draft_id)
    if draft is None or draft.author_user_id != ctx.actor.user_id:
        raise NotFound(NOT_FOUND)
    return draft, await draft_subject(ctx, draft)


@router.post("/consultations/{consultation_id}/minutes/draft", response_model=DraftPublic,
             summary="Open the minutes draft (biên bản hội chẩn)",
             description="The caller's draft, prefilled from the request and the live session "
             "(participants, start and end, questions, provisional diagnoses); once minutes are "
             "signed, a correction starting from the latest version. Consultants and invited "
             "colleagues only.", responses=_PRIVATE)
async def open_minutes(ctx: RecordsContext, consultation_id: uuid.UUID) -> DraftPublic:
    subject = await subject_for(ctx, DocumentKind.consultation_minutes, consultation_id)
    return await draft_public(ctx, subject, await drafts.open_draft(ctx, subject))


@router.post("/appointments/{appointment_id}/summary/draft", response_model=DraftPublic,
             summary="Open the encounter summary draft of a video visit",
             description="The visit's doctor only. `remote_care` lists diagnoses not found in "
             "the Circular 30/2023 list we hold (a notice: that list is incomplete).",
             responses=_PRIVATE)
async def open_summary(ctx: RecordsContext, appointment_id: uuid.UUID) -> DraftPublic:
    subject = await subject_for(ctx, DocumentKind.encounter_summary, appointment_id)
    return await draft_public(ctx, subject, await drafts.open_draft(ctx, subject))


@router.put("/drafts/{draft_id}", response_model=DraftPublic, summary="Save a draft",
            description="The whole form (MinutesContent or SummaryContent, by the draft's "
            "kind); a draft may be incomplete, `missing` says what signing still needs.",
            responses={**_PRIVATE, 422: {"description": "Bad field (e.g. unknown ICD-10)"}})
async def save_draft(
    ctx: RecordsContext, draft_id: uuid.UUID, content: dict[str, Any] = Body(
        openapi_examples={"minutes": {"value": MinutesContent.model_json_schema()["examples"][0]},
                          "summary": {"value": SummaryContent.model_json_schema()["examples"][0]}})
) -> DraftPublic:
    draft, subject = await load_draft(ctx, draft_id)
    parsed = drafts.parse(subject.kind, content)
    await drafts.save(ctx, subject, draft, parsed)
    return await draft_public(ctx, subject, draft)


@router.delete("/drafts/{draft_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Discard a draft", responses=_PRIVATE)
async def discard_draft(ctx: RecordsContext, draft_id: uuid.UUID) -> Response:
    draft, subject = await load_draft(ctx, draft_id)
    await drafts.discard(ctx, subject, draft)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/drafts/{draft_id}/sign", response_model=DocumentPublic,
             status_code=status.HTTP_201_CREATED, summary="Sign a draft",
             description="Signs the canonical document with the author's Ed25519 key (made on "
             "the first signature), renders its PDF, and enqueues its FHIR write-back, all in "
             "one transaction; for a consultation's first minutes also concludes it. The "
             "signed version is immutable; a correction is a new version.",
             responses={**_PRIVATE, 409: {"description": "Another version was signed since the "
                                               "draft was opened, or the request is not active"},
                        422: {"description": "Something required is missing (`details`)"}})
async def sign(ctx: RecordsContext, draft_id: uuid.UUID) -> DocumentPublic:
    draft, subject = await load_draft(ctx, draft_id)
    signed = await sign_draft(ctx, subject, draft)
    return await service.public(ctx, signed, subject)


@router.post("/consultations/{consultation_id}/opinions", status_code=status.HTTP_204_NO_CONTENT,
             summary="Add or change my opinion (co-consultant)", responses=_PRIVATE)
async def opinion(ctx: RecordsContext, consultation_id: uuid.UUID, body: OpinionBody) -> Response:
    subject = await subject_for(ctx, DocumentKind.consultation_minutes, consultation_id)
    await minutes.save_opinion(ctx, subject, body.text)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _latest(ctx: ServiceContext, kind: DocumentKind, subject_id: uuid.UUID) -> DocumentPublic:
    subject = await subject_for(ctx, kind, subject_id)
    found = await service.latest_for(ctx, subject)
    if found is None:
        raise NotFound(NOT_FOUND)
    audit_read(ctx, found)
    return await service.public(ctx, found, subject)


@router.get("/consultations/{consultation_id}/minutes", response_model=DocumentPublic,
            summary="The latest signed minutes of a consultation", responses=_PRIVATE)
async def consultation_minutes(ctx: RecordsContext, consultation_id: uuid.UUID) -> DocumentPublic:
    return await _latest(ctx, DocumentKind.consultation_minutes, consultation_id)


@router.get("/appointments/{appointment_id}/summary", response_model=DocumentPublic,
            summary="The latest signed summary of a video visit", responses=_PRIVATE)
async def visit_summary(ctx: RecordsContext, appointment_id: uuid.UUID) -> DocumentPublic:
    return await _latest(ctx, DocumentKind.encounter_summary, appointment_id)


@router.get("/undelivered", response_model=list[UndeliveredDocument],
            summary="Write-backs that need a person (author, facility admin)",
            description="The caller's signed documents whose write-back to the health record "
            "platform failed (`failed`: it will be tried again) or is out of attempts or "
            "refused for good (`dead`: only a retry sends it again), newest first, at most "
            "200: a doctor's own, the whole facility's for its administrator. Retry one with "
            "`POST /records/{id}/delivery/retry`.",
            responses={403: {"description": "Not an author or a facility administrator"}})
async def undelivered(ctx: RecordsContext) -> list[UndeliveredDocument]:
    return [
        UndeliveredDocument(
            id=d.id, kind=d.kind, subject=d.subject, version=d.version, signed_at=d.signed_at,
            facility_id=d.facility_id, author_user_id=d.author_user_id, delivery=state,
        )
        for d, state in await service.undelivered_for_actor(ctx)
    ]


@router.get("/{document_id}", response_model=DocumentPublic, summary="A signed version",
            description="With its version history; `delivery` only for the author and the "
            "facility administrator.", responses=_PRIVATE)
async def read(ctx: RecordsContext, document_id: uuid.UUID) -> DocumentPublic:
    document, subject = await service.load(ctx, document_id)
    return await service.public(ctx, document, subject)


@router.get("/{document_id}/pdf", summary="The PDF of a signed version",
            response_class=Response, responses={
                200: {"content": {"application/pdf": {}}}, **_PRIVATE})
async def pdf(ctx: RecordsContext, document_id: uuid.UUID) -> Response:
    document, _ = await service.load(ctx, document_id)
    return Response(document.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{document.kind}-v{document.version}.pdf"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "ETag": f'"{document.pdf_sha256}"',
    })


@router.get("/{document_id}/verification", response_model=Verification,
            summary="Verify a stored version's signature", responses=_PRIVATE)
async def verify_stored(ctx: RecordsContext, document_id: uuid.UUID) -> Verification:
    document, _ = await service.load(ctx, document_id)
    return await verification.verify_stored(ctx.session, document)


@router.get("/{document_id}/signature-record", summary="Export document + signature + key",
            description="The JSON file `telehealth verify-signature FILE` checks offline.",
            responses=_PRIVATE)
async def signature_record(ctx: RecordsContext, document_id: uuid.UUID) -> Response:
    document, _ = await service.load(ctx, document_id)
    body = json.dumps(await verification.export_record(ctx.session, document),
                      ensure_ascii=False, indent=1)
    return Response(body.encode(), media_type="application/json", headers={
        "Content-Disposition":
            f'attachment; filename="{document.kind}-v{document.version}.signed.json"',
        "Cache-Control": "private, no-store",
    })


@router.post("/{document_id}/delivery/retry", response_model=DeliveryState,
             summary="Send a failed or dead write-back again (author, facility admin)",
             responses={**_PRIVATE, 409: {"description": "Already delivered, or being sent"}})
async def retry_delivery(ctx: RecordsContext, document_id: uuid.UUID) -> DeliveryState:
    document, subject = await service.load(ctx, document_id)
    return await delivery.retry(ctx, subject, document)


@signatures_router.post("/verify", response_model=Verification,
                        summary="Verify a document and signature (anyone)",
                        description="For anyone holding a signed document (its exported "
                        "record): nothing is stored; the key is looked up by its id unless "
                        "`public_key` is given.")
async def verify_submitted(
    session: SessionDep, actor: OptionalActor, body: VerifyBody
) -> Verification:
    result = await verification.verify_submitted(session, body)
    # No patient data in the event: only which key and whether it held.
    record(session, actor, "signature.verify", resource_type="Signature",
           resource_id=result.key_id, outcome="success" if result.valid else "failure",
           detail={"valid": result.valid})
    return result
