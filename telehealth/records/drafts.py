"""The draft of a document: opened (prefilled, or from the version it corrects), saved by its
author, and checked for what signing still needs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from telehealth.consultations import repository as consultation_repository
from telehealth.consultations.context import ServiceContext
from telehealth.consultations.states import ACTIVE
from telehealth.errors import Conflict, Forbidden
from telehealth.models import DocumentKind, RecordDraft, User
from telehealth.patients.validation import FieldCollector
from telehealth.records import minutes, repository, summaries
from telehealth.records.access import Subject
from telehealth.records.schemas import MinutesContent, SummaryContent
from telehealth.terminology import lookup

Content = MinutesContent | SummaryContent


def content_model(kind: DocumentKind) -> type[MinutesContent] | type[SummaryContent]:
    return MinutesContent if kind == DocumentKind.consultation_minutes else SummaryContent


def parse(kind: DocumentKind, content: dict[str, Any]) -> Content:
    return content_model(kind).model_validate(content)


def _check_writer(ctx: ServiceContext, subject: Subject) -> None:
    if not subject.may_write:
        raise Forbidden("records.errors.not_writer")


async def _taken(ctx: ServiceContext, draft: RecordDraft) -> Conflict:
    author = await ctx.session.get(User, draft.author_user_id)
    return Conflict("records.errors.draft_taken", code="draft_taken",
                    name=author.full_name if author else "")


async def open_draft(ctx: ServiceContext, subject: Subject) -> RecordDraft:
    """The caller's draft for the subject: the open one, or a new one.

    A first version starts prefilled from the request and the live session; a correction
    starts from the latest signed version, which it will replace.
    """
    _check_writer(ctx, subject)
    draft = await repository.draft_for(ctx.session, subject.key)
    if draft is not None:
        if draft.author_user_id != ctx.actor.user_id:
            raise await _taken(ctx, draft)
        return draft
    latest = await repository.latest(ctx.session, subject.key)
    if latest is None:
        if subject.consultation is not None and subject.consultation.status not in ACTIVE:
            raise Conflict("records.errors.consultation_not_active", code="not_active")
        if subject.kind == DocumentKind.consultation_minutes:
            content: BaseModel = await minutes.prefill(ctx, subject)
        else:
            content = await summaries.prefill(ctx, subject)
    else:
        content = parse(subject.kind, form_from_document(latest.document))
    draft = RecordDraft(
        kind=subject.kind,
        subject=subject.key,
        consultation_id=subject.consultation.id if subject.consultation else None,
        appointment_id=subject.appointment.id if subject.appointment else None,
        author_user_id=ctx.actor.user_id,
        replaces_id=latest.id if latest else None,
        content=content.model_dump(mode="json"),
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(draft)
    await ctx.session.flush()
    return draft


def canonical_codes(codes: list[str], errors: FieldCollector) -> list[str]:
    out: list[str] = []
    for raw in codes:
        found = lookup(raw)
        if found is None:
            errors.add("diagnosis_codes", "records.errors.unknown_icd10")
        elif found.code not in out:
            out.append(found.code)
    return out


async def save(
    ctx: ServiceContext, subject: Subject, draft: RecordDraft, content: Content
) -> RecordDraft:
    """Replace the draft's content (the whole form); only its author may."""
    _check_writer(ctx, subject)
    if draft.author_user_id != ctx.actor.user_id:
        raise await _taken(ctx, draft)
    errors = FieldCollector()
    content.diagnosis_codes = canonical_codes(content.diagnosis_codes, errors)
    errors.raise_if_any(ctx.lang)
    draft.content = content.model_dump(mode="json")
    draft.updated_at = ctx.now
    ctx.session.add(draft)
    await ctx.session.flush()
    return draft


async def discard(ctx: ServiceContext, subject: Subject, draft: RecordDraft) -> None:
    _check_writer(ctx, subject)
    if draft.author_user_id != ctx.actor.user_id:
        raise await _taken(ctx, draft)
    await ctx.session.delete(draft)
    await ctx.session.flush()


async def missing(ctx: ServiceContext, subject: Subject, content: Content) -> list[str]:
    """Translation keys of what signing would refuse (Circular 49's required parts)."""
    out: list[str] = []
    if content.started_at is None or content.ended_at is None:
        out.append("records.missing.period")
    if not content.diagnosis_codes:
        out.append("records.missing.diagnosis")
    if content.disposition is None:
        out.append("records.missing.disposition")
    if content.disposition == "follow_up" and content.follow_up_on is None:
        out.append("records.missing.follow_up_on")
    if isinstance(content, MinutesContent):
        assert subject.consultation is not None
        asked = {q.id for q in await consultation_repository.questions(
            ctx.session, subject.consultation.id)}
        answered = {a.question_id for a in content.answers if a.conclusion.strip()}
        if not asked <= answered:
            out.append("records.missing.answers")
        if len(content.conclusion.strip()) < 3:
            out.append("records.missing.conclusion")
        if not content.participants:
            out.append("records.missing.participants")
    else:
        if not content.findings.strip():
            out.append("records.missing.findings")
        if not content.advice.strip():
            out.append("records.missing.advice")
    return out


def form_from_document(document: dict[str, Any]) -> dict[str, Any]:
    """The form a correction starts from: the signed version's own content."""
    form: dict[str, Any] = {
        "started_at": document["period"]["start"],
        "ended_at": document["period"]["end"],
        "diagnosis_codes": [d["code"] for d in document["diagnoses"]],
        "disposition": document["disposition"]["kind"],
        "disposition_note": document["disposition"]["note"],
        "follow_up_on": document["disposition"]["follow_up_on"],
        "chat_excerpt_ids": [line["id"] for line in document["chat_excerpts"]],
    }
    if document["kind"] == DocumentKind.consultation_minutes:
        form |= {
            "participants": [
                {k: p[k] for k in ("name", "role", "facility", "user_id")}
                for p in document["participants"]
            ],
            "case_summary": document["case_summary"],
            "answers": [{"question_id": q["id"], "conclusion": q["conclusion"]}
                        for q in document["questions"]],
            "conclusion": document["conclusion"],
            "recommendations": document["recommendations"],
        }
    else:
        form |= {"findings": document["findings"], "advice": document["advice"]}
    return form
