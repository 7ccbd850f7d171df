"""Records pages: the minutes and summary forms, review and sign, the signed document with
its verification, PDF and delivery, and the list of a person's signed records."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from telehealth.clock import VN_TZ, to_local
from telehealth.consultations.context import ServiceContext
from telehealth.errors import AppError, NotFound
from telehealth.i18n import translate
from telehealth.models import Disposition, DocumentKind, RecordDraft, Role
from telehealth.patients.validation import FieldErrors
from telehealth.records import delivery, drafts, minutes, repository, service, verification
from telehealth.records.access import (
    NOT_FOUND,
    Subject,
    draft_subject,
    may_manage_delivery,
    subject_for,
)
from telehealth.records.context import RecordsContext
from telehealth.records.signing import sign_draft
from telehealth.records.summaries import remote_care_notice
from telehealth.terminology import lookup
from web.templating import render

router = APIRouter()

PATHS = {DocumentKind.consultation_minutes: ("consultations", "minutes"),
         DocumentKind.encounter_summary: ("appointments", "summary")}


def workspace_url(subject: Subject) -> str:
    area, name = PATHS[subject.kind]
    return f"/records/{area}/{subject.subject_id}/{name}"


async def minutes_panel(ctx: ServiceContext, consultation_id: uuid.UUID) -> dict[str, Any]:
    """What the consultation page shows of the minutes: the latest version, the viewer's
    draft, and the co-consultants' opinions (with the viewer's own form when open)."""
    subject = await subject_for(ctx, DocumentKind.consultation_minutes, consultation_id)
    draft = await repository.draft_for(ctx.session, subject.key)
    opinions = await repository.opinions(ctx.session, consultation_id)
    mine = next((o.text for o, u, _ in opinions if u.id == ctx.actor.user_id), "")
    return {
        "latest": await service.latest_for(ctx, subject),
        "draft_id": draft.id if draft and draft.author_user_id == ctx.actor.user_id else None,
        "may_correct": subject.may_write,
        "may_opine": subject.may_opine,
        "opinions": [{"author": u.full_name, "text": o.text} for o, u, _ in opinions],
        "my_opinion": mine,
    }


def _local_input(value: str | None) -> str:
    """An ISO UTC string as a `datetime-local` value in Vietnam time."""
    if not value:
        return ""
    return to_local(datetime.fromisoformat(value.replace("Z", "+00:00"))).strftime("%Y-%m-%dT%H:%M")


async def _form_context(ctx: ServiceContext, subject: Subject, draft: RecordDraft,
                        content: dict[str, Any]) -> dict[str, Any]:
    parsed = drafts.parse(subject.kind, draft.content)
    chat = await repository.chat_lines(ctx.session, subject.room)
    questions: list[Any] = []
    if subject.consultation is not None:
        from telehealth.consultations import repository as consultation_repository

        questions = await consultation_repository.questions(ctx.session, subject.consultation.id)
    replaced = await repository.document(ctx.session, draft.replaces_id) if draft.replaces_id \
        else None
    answers = {a["question_id"]: a["conclusion"] for a in content.get("answers", [])}
    diagnoses = []
    for code in content.get("diagnosis_codes", []):
        found = lookup(code)
        diagnoses.append({"code": code, "title": found.title("en" if ctx.lang == "en" else "vi")
                          if found else code})
    return {
        "subject": subject, "draft": draft, "content": content, "questions": questions,
        "answers": answers, "chat": chat, "diagnoses": diagnoses,
        "chosen_chat": set(content.get("chat_excerpt_ids", [])),
        "dispositions": list(Disposition), "replaced": replaced,
        "started_at": _local_input(content.get("started_at")),
        "ended_at": _local_input(content.get("ended_at")),
        "missing": await drafts.missing(ctx, subject, parsed),
        "remote_care": (remote_care_notice(parsed.diagnosis_codes, ctx.lang)
                        if subject.kind == DocumentKind.encounter_summary else None),
        "action": f"/records/drafts/{draft.id}",
    }


async def _form(request: Request, ctx: ServiceContext, subject: Subject, draft: RecordDraft,
                *, content: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                flash: str | None = None, status_code: int = 200) -> Response:
    context = await _form_context(ctx, subject, draft, content or draft.content)
    return render(request, "records/form.html", {**context, "errors": errors or {},
                                                 "flash": flash}, status_code=status_code)


async def _workspace(request: Request, ctx: ServiceContext, subject: Subject) -> Response:
    """Writers get their draft (the first one is opened here); readers the latest version."""
    draft = await repository.draft_for(ctx.session, subject.key)
    if draft is not None and draft.author_user_id == ctx.actor.user_id:
        return await _form(request, ctx, subject, draft)
    latest = await service.latest_for(ctx, subject)
    if latest is not None:
        return RedirectResponse(f"/records/{latest.id}", status_code=303)
    if not subject.may_write:
        raise NotFound(NOT_FOUND)
    draft = await drafts.open_draft(ctx, subject)
    return await _form(request, ctx, subject, draft)


@router.get("/records/consultations/{consultation_id}/minutes")
async def minutes_workspace(request: Request, ctx: RecordsContext,
                            consultation_id: uuid.UUID) -> Response:
    subject = await subject_for(ctx, DocumentKind.consultation_minutes, consultation_id)
    return await _workspace(request, ctx, subject)


@router.get("/records/appointments/{appointment_id}/summary")
async def summary_workspace(request: Request, ctx: RecordsContext,
                            appointment_id: uuid.UUID) -> Response:
    subject = await subject_for(ctx, DocumentKind.encounter_summary, appointment_id)
    return await _workspace(request, ctx, subject)


@router.post("/records/consultations/{subject_id}/minutes/correct")
@router.post("/records/appointments/{subject_id}/summary/correct")
async def correct(request: Request, ctx: RecordsContext, subject_id: uuid.UUID) -> Response:
    """Open a correction: a draft starting from the latest version, which it will replace."""
    kind = (DocumentKind.consultation_minutes if "/consultations/" in request.url.path
            else DocumentKind.encounter_summary)
    subject = await subject_for(ctx, kind, subject_id)
    await drafts.open_draft(ctx, subject)
    return RedirectResponse(workspace_url(subject), status_code=303)


def _when(raw: str) -> str | None:
    # `datetime-local` carries Vietnam wall-clock time without a zone.
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=VN_TZ).isoformat()
    except ValueError:
        return raw  # pydantic names the bad field


def _content_from_form(subject: Subject, draft: RecordDraft, form: FormData) -> dict[str, Any]:
    value = {k: str(form.get(k, "")).strip() for k in (
        "started_at", "ended_at", "diagnosis_codes", "disposition", "disposition_note",
        "follow_up_on", "case_summary", "conclusion", "recommendations", "findings", "advice",
        "participants_extra")}
    content: dict[str, Any] = {
        "started_at": _when(value["started_at"]),
        "ended_at": _when(value["ended_at"]),
        "diagnosis_codes": [c.strip() for c in value["diagnosis_codes"].replace(";", ",")
                            .split(",") if c.strip()],
        "disposition": value["disposition"] or None,
        "disposition_note": value["disposition_note"],
        "follow_up_on": value["follow_up_on"] or None,
        "chat_excerpt_ids": [str(i) for i in form.getlist("chat")],
    }
    if subject.kind == DocumentKind.encounter_summary:
        return content | {"findings": value["findings"], "advice": value["advice"]}
    kept = {int(str(i)) for i in form.getlist("participant") if str(i).isdigit()}
    people = [p for i, p in enumerate(draft.content.get("participants", [])) if i in kept]
    for line in value["participants_extra"].splitlines():
        name, _, facility = line.partition("|")
        if name.strip():
            people.append({"name": name.strip(), "role": "member", "facility": facility.strip()})
    answers = [{"question_id": key.removeprefix("answer_"), "conclusion": str(text).strip()}
               for key, text in form.multi_items() if key.startswith("answer_")]
    return content | {"participants": people, "case_summary": value["case_summary"],
                      "answers": answers, "conclusion": value["conclusion"],
                      "recommendations": value["recommendations"]}


async def _own_draft(ctx: ServiceContext, draft_id: uuid.UUID) -> tuple[RecordDraft, Subject]:
    draft = await ctx.session.get(RecordDraft, draft_id)
    if draft is None or draft.author_user_id != ctx.actor.user_id:
        raise NotFound(NOT_FOUND)
    return draft, await draft_subject(ctx, draft)


def _errors(exc: ValidationError | FieldErrors, lang: str) -> dict[str, str]:
    if isinstance(exc, FieldErrors):
        return {name: translate(key, lang) for name, key in exc.fields.items()}
    return {str(err["loc"][0]) if err["loc"] else "form": translate("records.errors.form", lang)
            for err in exc.errors()}


@router.post("/records/drafts/{draft_id}")
async def save_form(request: Request, ctx: RecordsContext, draft_id: uuid.UUID) -> Response:
    draft, subject = await _own_draft(ctx, draft_id)
    form = await request.form()
    content = _content_from_form(subject, draft, form)
    try:
        await drafts.save(ctx, subject, draft, drafts.parse(subject.kind, content))
    except (ValidationError, FieldErrors) as exc:
        return await _form(request, ctx, subject, draft, content=content,
                           errors=_errors(exc, ctx.lang),
                           flash=translate("records.errors.form", ctx.lang), status_code=422)
    if form.get("intent") == "review":
        return RedirectResponse(f"/records/drafts/{draft.id}/review", status_code=303)
    return await _form(request, ctx, subject, draft, flash=translate("records.page.saved",
                                                                     ctx.lang))


@router.get("/records/drafts/{draft_id}/review")
async def review(request: Request, ctx: RecordsContext, draft_id: uuid.UUID,
                 error: str | None = None) -> Response:
    draft, subject = await _own_draft(ctx, draft_id)
    context = await _form_context(ctx, subject, draft, draft.content)
    return render(request, "records/review.html", {**context, "error": error})


@router.post("/records/drafts/{draft_id}/sign")
async def sign(request: Request, ctx: RecordsContext, draft_id: uuid.UUID) -> Response:
    draft, subject = await _own_draft(ctx, draft_id)
    try:
        signed = await sign_draft(ctx, subject, draft)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        await ctx.session.rollback()
        await ctx.session.refresh(ctx.actor.user)
        message = translate(exc.key, ctx.lang, **exc.params)
        draft, subject = await _own_draft(ctx, draft_id)
        context = await _form_context(ctx, subject, draft, draft.content)
        return render(request, "records/review.html", {**context, "error": message},
                      status_code=exc.status_code)
    return RedirectResponse(f"/records/{signed.id}?done=signed", status_code=303)


@router.post("/records/drafts/{draft_id}/discard")
async def discard(request: Request, ctx: RecordsContext, draft_id: uuid.UUID) -> Response:
    draft, subject = await _own_draft(ctx, draft_id)
    await drafts.discard(ctx, subject, draft)
    back = (f"/consultations/{subject.subject_id}" if subject.consultation else "/records")
    return RedirectResponse(back, status_code=303)


@router.post("/records/consultations/{consultation_id}/opinion")
async def opinion(request: Request, ctx: RecordsContext, consultation_id: uuid.UUID) -> Response:
    form = await request.form()
    subject = await subject_for(ctx, DocumentKind.consultation_minutes, consultation_id)
    text = str(form.get("text", "")).strip()
    if len(text) >= 3:
        await minutes.save_opinion(ctx, subject, text)
    return RedirectResponse(f"/consultations/{consultation_id}?done=opinion#minutes",
                            status_code=303)


@router.get("/records")
async def records_list(
    request: Request, ctx: RecordsContext,
    delivery_filter: Annotated[Literal["all", "undelivered"], Query(alias="delivery")] = "all",
) -> Response:
    show_delivery = ctx.actor.role in service.DELIVERY_FOLLOWERS
    undelivered = await service.undelivered_for_actor(ctx) if show_delivery else []
    if show_delivery and delivery_filter == "undelivered":
        listed = undelivered
    else:
        listed = await service.with_delivery(ctx, await service.documents_for_actor(ctx))
    visits: list[Any] = []
    if ctx.actor.role == Role.clinician:
        found = await repository.practitioner_with_user(ctx.session, ctx.actor.user_id)
        if found is not None:
            visits = await repository.video_visits_of(ctx.session, found[0].id)
    return render(request, "records/list.html", {
        "documents": listed, "show_delivery": show_delivery, "visits": visits,
        "undelivered_count": len(undelivered),
        "only_undelivered": show_delivery and delivery_filter == "undelivered",
    })


@router.get("/records/{document_id}")
async def document_page(request: Request, ctx: RecordsContext, document_id: uuid.UUID) -> Response:
    document, subject = await service.load(ctx, document_id)
    public = await service.public(ctx, document, subject)
    checked = await verification.verify_stored(ctx.session, document)
    done = request.query_params.get("done")
    flash = {"signed": "records.page.signed", "retried": "records.delivery.retried"}.get(done or "")
    draft = await repository.draft_for(ctx.session, subject.key)
    return render(request, "records/document.html", {
        "d": public, "doc": public.document, "verification": checked, "subject": subject,
        "may_correct": subject.may_write and public.is_latest,
        "has_draft": draft is not None and draft.author_user_id == ctx.actor.user_id,
        "correct_url": workspace_url(subject) + "/correct",
        "workspace_url": workspace_url(subject),
        "flash": translate(flash, ctx.lang) if flash else None,
        "latest_id": next(h.id for h in public.history if h.is_latest),
        "follow_up_on": date.fromisoformat(public.document["disposition"]["follow_up_on"])
        if public.document["disposition"]["follow_up_on"] else None,
        "may_manage": may_manage_delivery(ctx, subject, document),
    })


@router.post("/records/{document_id}/retry")
async def retry(request: Request, ctx: RecordsContext, document_id: uuid.UUID) -> Response:
    document, subject = await service.load(ctx, document_id)
    await delivery.retry(ctx, subject, document)
    return RedirectResponse(f"/records/{document_id}?done=retried", status_code=303)
