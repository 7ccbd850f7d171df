"""Patient pages: self-registration and consents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from telehealth.accounts import service as accounts
from telehealth.accounts.deps import OptionalActor, PatientActor
from telehealth.db import SessionDep
from telehealth.deps import ClockDep, DatabaseDep, SettingsDep, client_ip, request_id
from telehealth.errors import AppError
from telehealth.i18n import translate
from telehealth.models import ConsentKind, Sex
from telehealth.patients import service
from telehealth.patients.schemas import PatientRegister
from telehealth.patients.terms import TERMS
from telehealth.patients.validation import FieldErrors
from web.pages.auth import safe_next
from web.templating import page_language, render

router = APIRouter()

REGISTER_FIELDS = (
    "full_name",
    "national_id",
    "health_insurance_number",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "password",
)
# Pydantic's error types, as the form shows them.
_PYDANTIC_KEYS = {
    "missing": "patients.errors.required",
    "string_too_long": "patients.errors.too_long",
    "value_error": "patients.errors.email",
}
# A too short or too long identifier is a malformed one: say what the right form is.
_FORMAT_KEYS = {
    "national_id": "patients.errors.cccd_format",
    "phone": "patients.errors.phone_format",
    "health_insurance_number": "patients.errors.bhyt_format",
    "date_of_birth": "patients.errors.invalid",
}
_FLASHES = {"granted": "patients.consents.granted", "withdrawn": "patients.consents.withdrawn"}


def form_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "form"
        if name == "password" and err["type"] == "string_too_short":
            key = "patients.errors.password_short"
        elif name == "full_name" and err["type"] == "string_too_short":
            key = "patients.errors.full_name"
        elif name in _FORMAT_KEYS and err["type"] != "missing":
            key = _FORMAT_KEYS[name]
        else:
            key = _PYDANTIC_KEYS.get(err["type"], "patients.errors.invalid")
        errors.setdefault(name, key)
    return errors


def _register_page(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "patients/register.html",
        {
            "values": values,
            "errors": errors or {},
            "error": error,
            "sexes": list(Sex),
            "terms": TERMS,
            "next": safe_next(values.get("next"), "/book"),
        },
        status_code=status_code,
    )


@router.get("/register")
async def register_page(
    request: Request, actor: OptionalActor, next: str | None = None
) -> Response:
    if actor is not None:
        return RedirectResponse(safe_next(next, "/book"), status_code=303)
    return _register_page(request, {"next": next or "/book"})


@router.post("/register")
async def register_submit(
    request: Request,
    session: SessionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: OptionalActor,
) -> Response:
    lang = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, ""))[:1000] for name in (*REGISTER_FIELDS, "next")}
    shown = {k: v for k, v in values.items() if k != "password"}
    data: dict[str, Any] = {
        k: (v.strip() or None) if k in ("email", "health_insurance_number") else v
        for k, v in values.items()
        if k in REGISTER_FIELDS
    }
    data["consent_telemedicine"] = form.get("consent_telemedicine") == "yes"
    data["consent_data_processing"] = form.get("consent_data_processing") == "yes"
    shown.update({k: data[k] for k in ("consent_telemedicine", "consent_data_processing")})
    try:
        body = PatientRegister.model_validate(data)
    except ValidationError as exc:
        return _register_page(request, shown, form_errors(exc), status_code=422)
    try:
        registered = await service.register(
            session,
            body,
            now=clock.now(),
            lang=lang,
            client_ip=client_ip(request),
            request_id=request_id(request),
        )
        # The account was created in this transaction: log it in here, without a second
        # password check (which would end the transaction before the account is committed).
        issued = accounts.issue(
            session,
            settings,
            registered.user,
            kind="web",
            now=clock.now(),
            client_ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            request_id=request_id(request),
            detail={"kind": "web", "via": "registration"},
        )
    except FieldErrors as exc:
        return _register_page(request, shown, exc.fields, status_code=exc.status_code)
    except AppError as exc:
        return _register_page(
            request,
            shown,
            error=translate(exc.key, lang, **exc.params),
            status_code=exc.status_code,
        )
    target = safe_next(values["next"], "/book")
    response = RedirectResponse(
        target + ("&" if "?" in target else "?") + "welcome=1", status_code=303
    )
    response.set_cookie(
        settings.session_cookie_name,
        issued.token,
        max_age=settings.session_ttl_hours * 3600,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


@router.get("/consents")
async def consents_page(
    request: Request,
    actor: PatientActor,
    session: SessionDep,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    _, history = await service.consent_history(session, actor)
    lang = page_language(request)
    return render(
        request,
        "patients/consents.html",
        {
            "statuses": service.consent_statuses(history, lang),
            "history": history,
            "flash": translate(_FLASHES[done], lang) if done in _FLASHES else None,
        },
    )


@router.post("/consents/{kind}/grant")
async def grant(
    kind: ConsentKind,
    actor: PatientActor,
    session: SessionDep,
    clock: ClockDep,
    next: str | None = None,
) -> Response:
    await service.grant_consent(session, actor, kind, now=clock.now())
    return RedirectResponse(safe_next(next, "/consents?done=granted"), status_code=303)


@router.post("/consents/{kind}/withdraw")
async def withdraw(
    kind: ConsentKind, actor: PatientActor, session: SessionDep, clock: ClockDep
) -> Response:
    await service.withdraw_consent(session, actor, kind, now=clock.now())
    return RedirectResponse("/consents?done=withdrawn", status_code=303)
