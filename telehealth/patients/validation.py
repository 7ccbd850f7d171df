"""Checks on patient-entered facts, collected per field so a form can show them all at once."""

from __future__ import annotations

from datetime import date

from telehealth.errors import ValidationFailed
from telehealth.i18n import translate
from telehealth.patients.identifiers import (
    InvalidIdentifier,
    validate_cccd,
    validate_health_insurance_number,
    validate_phone,
)

# Nobody alive was born more than this many years ago: a DOB beyond it is a typo.
MAX_AGE_YEARS = 125


class FieldErrors(ValidationFailed):
    """A 422 listing each bad field with a translation key; pages re-render from `fields`."""

    def __init__(self, fields: dict[str, str], lang: str = "vi") -> None:
        self.fields = fields
        details = [
            {"field": name, "message": translate(key, lang), "type": key}
            for name, key in fields.items()
        ]
        super().__init__("errors.validation_error", details=details)


class FieldCollector:
    """Runs checks and keeps the first error of each field."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, key: str) -> None:
        self.errors.setdefault(field, key)

    def raise_if_any(self, lang: str) -> None:
        if self.errors:
            raise FieldErrors(self.errors, lang)


def check_date_of_birth(value: date, today: date) -> str | None:
    if value > today:
        return "patients.errors.dob_future"
    if value.year < today.year - MAX_AGE_YEARS:
        return "patients.errors.dob_implausible"
    return None


def clean_phone(errors: FieldCollector, value: str) -> str:
    try:
        return validate_phone(value)
    except InvalidIdentifier as exc:
        errors.add("phone", exc.key)
        return value


def clean_insurance(errors: FieldCollector, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return validate_health_insurance_number(value)
    except InvalidIdentifier as exc:
        errors.add("health_insurance_number", exc.key)
        return None


def clean_cccd(
    errors: FieldCollector, value: str, *, date_of_birth: date | None, sex: str | None
) -> str:
    try:
        return validate_cccd(value, date_of_birth=date_of_birth, sex=sex)
    except InvalidIdentifier as exc:
        errors.add("national_id", exc.key)
        return value
