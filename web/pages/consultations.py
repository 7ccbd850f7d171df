"""Consultation pages: my facility's requests, the specialists' live queue, the new-request
form and the request itself (timeline, attachments, the actions open to the viewer)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from telehealth.attachments.storage import create_storage
from telehealth.clock import VN_TZ
from telehealth.consultations import actions, files, intake, repository, service
from telehealth.consultations.context import ServiceContext, StaffContext
from telehealth.consultations.schemas import (
    ConsultationCreate,
    ForwardBody,
    InviteBody,
    Vitals,
)
from telehealth.consultations.states import Action
from telehealth.errors import AppError
from telehealth.i18n import translate
from telehealth.models import (
    AttachmentKind,
    ConsultationActivity,
    ConsultationUrgency,
    Sex,
    Specialty,
)
from telehealth.patients.validation import FieldErrors
from web.pages import records as records_pages
from web.templating import render

router = APIRouter()

VITAL_FIELDS = tuple(Vitals.model_fields)
TEXT_FIELDS = ("national_id", "full_name", "date_of_birth", "sex", "phone",
               "health_insurance_number", "address", "activity", "urgency", "specialty_id",
               "consulting_facility_id", "reason", "history", "diagnosis_codes", "questions",
               "patient_id", "attachment_kind")
MAX_FILES = 10


def _field_errors(exc: ValidationError, lang: str) -> dict[str, str]:
    """Pydantic's errors, keyed by form field, in the viewer's language."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if loc[:1] == ["vitals"]:
            name = loc[1] if len(loc) > 1 else "vitals"
            message = translate("consultations.errors.vitals", lang)
        elif loc[:1] == ["new_patient"] and len(loc) > 1:
            name, message = loc[1], translate("consultations.errors.form", lang)
        else:
            name = loc[0] if loc else "form"
            message = translate("consultations.errors.form", lang)
        errors.setdefault(name, message)
    return errors


def _from_field_errors(exc: FieldErrors, lang: str) -> dict[str, str]:
    return {name.removeprefix("new_patient."): translate(key, lang)
            for name, key in exc.fields.items()}


async def _discard_changes(ctx: ServiceContext) -> None:
    """Roll back a refused form's work, then reload the caller, whom the page still shows
    (a rollback expires every loaded object, and templates cannot load lazily)."""
    await ctx.session.rollback()
    await ctx.session.refresh(ctx.actor.user)


async def _specialties(ctx: ServiceContext) -> list[Specialty]:
    rows = await ctx.session.execute(select(Specialty).order_by(Specialty.name_vi))
    return list(rows.scalars())


async def _new_form(
    request: Request, ctx: ServiceContext, values: dict[str, Any],
    errors: dict[str, str] | None = None, error: str | None = None, status_code: int = 200,
) -> Response:
    return render(request, "consultations/new.html", {
        "values": values,
        "errors": errors or {},
        "error": error,
        "activities": list(ConsultationActivity),
        "urgencies": list(ConsultationUrgency),
        "sexes": list(Sex),
        "kinds": list(AttachmentKind),
        "specialties": await _specialties(ctx),
        "facilities": await service.referral_options(ctx),
        "vital_fields": VITAL_FIELDS,
        "max_mb": ctx.settings.attachment_max_bytes // (1024 * 1024),
    }, status_code=status_code)


@router.get("/consultations")
async def my_requests(request: Request, ctx: StaffContext) -> Response:
    practitioner = await repository.practitioner_for_user(ctx.session, ctx.actor.user_id)
    rows = await service.requested(ctx) if ctx.actor.facility_id else []
    return render(request, "consultations/list.html", {
        "rows": rows, "is_specialist": practitioner is not None, "now": ctx.now,
    })


@router.get("/consultations/queue")
async def queue_page(request: Request, ctx: StaffContext) -> Response:
    return render(request, "consultations/queue.html",
                  {"rows": await service.queue(ctx), "now": ctx.now})


@router.get("/consultations/new")
async def new_page(request: Request, ctx: StaffContext) -> Response:
    return await _new_form(request, ctx, {"urgency": "routine",
                                          "activity": "remote_consultation"})


def _vitals(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in VITAL_FIELDS
            if str(form.get(name, "")).strip()}


async def _patient_fields(ctx: ServiceContext, values: dict[str, str]) -> dict[str, Any]:
    """An existing patient (chosen by the look-up, or found now by CCCD) or a new one."""
    if values["patient_id"]:
        return {"patient_id": values["patient_id"]}
    if values["national_id"]:
        found = await intake.find_by_national_id(ctx, values["national_id"])
        if found is not None:
            return {"patient_id": str(found.id)}
    return {"new_patient": {
        "full_name": values["full_name"], "national_id": values["national_id"],
        "date_of_birth": values["date_of_birth"] or None, "sex": values["sex"] or None,
        "phone": values["phone"] or None,
        "health_insurance_number": values["health_insurance_number"] or None,
        "address": values["address"],
    }}


@router.post("/consultations/new")
async def new_submit(request: Request, ctx: StaffContext) -> Response:
    async with request.form(max_files=MAX_FILES, max_fields=60) as form:
        values = {name: str(form.get(name, "")).strip()[:8000] for name in TEXT_FIELDS}
        values.update(_vitals(form))
        values["consent_obtained"] = "yes" if form.get("consent_obtained") == "yes" else ""
        uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        try:
            return await _create(request, ctx, values, form, uploads)
        except FieldErrors as exc:
            errors, error = _from_field_errors(exc, ctx.lang), None
        except ValidationError as exc:
            errors, error = _field_errors(exc, ctx.lang), None
        except AppError as exc:
            errors, error = {}, translate(exc.key, ctx.lang, **exc.params)
    # Nothing of a refused form is kept: not the new patient, not an uploaded file.
    await _discard_changes(ctx)
    values.pop("patient_id", None)
    return await _new_form(request, ctx, values, errors,
                           error or translate("consultations.errors.form", ctx.lang),
                           status_code=422)


async def _create(
    request: Request, ctx: ServiceContext, values: dict[str, str], form: FormData,
    uploads: list[UploadFile],
) -> Response:
    body = ConsultationCreate.model_validate({
        **await _patient_fields(ctx, values),
        "consent_obtained": values["consent_obtained"] == "yes",
        "activity": values["activity"], "urgency": values["urgency"],
        "specialty_id": values["specialty_id"] or None,
        "consulting_facility_id": values["consulting_facility_id"] or None,
        "reason": values["reason"], "history": values["history"],
        "vitals": _vitals(form),
        "diagnosis_codes": [c for c in values["diagnosis_codes"].replace(";", ",").split(",")
                            if c.strip()],
        "questions": [q for q in values["questions"].splitlines() if q.strip()],
        "submit": False,
    })
    created = await service.create(ctx, body)
    viewer = await service.load(ctx, created.id)
    storage = create_storage(ctx.settings)
    kind = AttachmentKind(values["attachment_kind"] or AttachmentKind.other)
    for upload in uploads:
        await files.add(ctx, viewer, storage, upload, file_name=upload.filename, kind=kind)
    if form.get("intent") != "draft":
        await actions.submit(ctx, viewer)
    return RedirectResponse(f"/consultations/{created.id}?done=created", status_code=303)


async def _detail_page(
    request: Request, ctx: ServiceContext, consultation_id: uuid.UUID,
    error: str | None = None, status_code: int = 200,
) -> Response:
    viewer = await service.load(ctx, consultation_id)
    detail = await service.detail(ctx, viewer)
    done = request.query_params.get("done", "")
    return render(request, "consultations/detail.html", {
        "c": detail,
        "timeline": await service.timeline(ctx, viewer),
        "forward_targets": await service.forward_options(ctx, viewer),
        "colleagues": await service.colleague_options(ctx, viewer, ""),
        "kinds": list(AttachmentKind),
        "may_attach": _may_attach(ctx, viewer),
        "error": error,
        "flash": translate("consultations.page.done", ctx.lang) if done else None,
        "now": ctx.now,
        "room": f"consultation:{detail.id}",
        "minutes": await records_pages.minutes_panel(ctx, viewer.request.id),
    }, status_code=status_code)


def _may_attach(ctx: ServiceContext, viewer: Any) -> bool:
    try:
        files.check_may_attach(ctx, viewer)
    except AppError:
        return False
    return True


@router.get("/consultations/{consultation_id}")
async def detail_page(request: Request, ctx: StaffContext, consultation_id: uuid.UUID) -> Response:
    return await _detail_page(request, ctx, consultation_id)


async def _perform(ctx: ServiceContext, consultation_id: uuid.UUID, action: Action,
                   form: FormData) -> None:
    viewer = await service.load(ctx, consultation_id)
    text = {k: str(form.get(k, "")).strip() for k in
            ("reason", "note", "scheduled_for", "facility_id", "advice_applied",
             "patient_outcome")}
    if action is Action.submit:
        await actions.submit(ctx, viewer)
    elif action is Action.cancel:
        await actions.cancel(ctx, viewer, text["reason"])
    elif action is Action.accept:
        await actions.accept(ctx, viewer, text["note"] or None)
    elif action is Action.schedule:
        when = _local_datetime(text["scheduled_for"], ctx)
        await actions.schedule(ctx, viewer, when, text["note"] or None)
    elif action is Action.decline:
        await actions.decline(ctx, viewer, text["reason"])
    elif action is Action.forward:
        await actions.forward(ctx, viewer, ForwardBody.model_validate(
            {"facility_id": text["facility_id"] or None, "reason": text["reason"]}))
    elif action is Action.invite:
        await actions.invite(ctx, viewer, InviteBody.model_validate(
            {"practitioner_ids": form.getlist("practitioner_ids"), "note": text["note"]}))
    elif action is Action.start_session:
        await actions.start_session(ctx, viewer)
    elif action is Action.close:
        await actions.close(ctx, viewer, text["advice_applied"], text["patient_outcome"])


def _local_datetime(raw: str, ctx: ServiceContext) -> datetime:
    """`datetime-local` inputs carry Vietnam wall-clock time without a zone."""
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=VN_TZ)
    except ValueError:
        raise FieldErrors({"scheduled_for": "consultations.errors.time_in_past"},
                          ctx.lang) from None


@router.post("/consultations/{consultation_id}/act/{action}")
async def act(
    request: Request, ctx: StaffContext, consultation_id: uuid.UUID, action: Action
) -> Response:
    if action is Action.conclude:
        # Concluding is signing the minutes (telehealth.records.signing).
        return RedirectResponse(f"/records/consultations/{consultation_id}/minutes",
                                status_code=303)
    form = await request.form()
    try:
        await _perform(ctx, consultation_id, action, form)
    except FieldErrors as exc:
        message = "; ".join(translate(k, ctx.lang) for k in exc.fields.values())
    except ValidationError:
        message = translate("consultations.errors.form", ctx.lang)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        message = translate(exc.key, ctx.lang, **exc.params)
    else:
        return RedirectResponse(f"/consultations/{consultation_id}?done={action.value}",
                                status_code=303)
    await _discard_changes(ctx)
    return await _detail_page(request, ctx, consultation_id, message, status_code=422)


@router.post("/consultations/{consultation_id}/attach")
async def attach(request: Request, ctx: StaffContext, consultation_id: uuid.UUID) -> Response:
    async with request.form(max_files=MAX_FILES, max_fields=20) as form:
        uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        try:
            viewer = await service.load(ctx, consultation_id)
            kind = AttachmentKind(str(form.get("attachment_kind") or AttachmentKind.other))
            storage = create_storage(ctx.settings)
            for upload in uploads:
                await files.add(ctx, viewer, storage, upload, file_name=upload.filename,
                                kind=kind)
        except AppError as exc:
            if exc.status_code == 404:
                raise
            message = translate(exc.key, ctx.lang, **exc.params)
        except ValueError:
            message = translate("attachments.errors.kind", ctx.lang)
        else:
            return RedirectResponse(f"/consultations/{consultation_id}?done=attach",
                                    status_code=303)
    await _discard_changes(ctx)
    return await _detail_page(request, ctx, consultation_id, message, status_code=422)
