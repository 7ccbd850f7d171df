"""Vietnamese identifiers: the personal ID (CCCD), the health insurance number, facility codes.

CCCD (căn cước công dân, Decree 137/2015/NĐ-CP, Circular 07/2016/TT-BCA): 12 digits =
3-digit province-of-registration code + 1 digit for sex and birth century + 2 digits of
the birth year + 6 random digits. The century/sex digit: 0/1 = male/female born in the
1900s, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s.
"""

from __future__ import annotations

import re
from datetime import date

# Province codes used in CCCD numbers (the 63 pre-2025 provinces; numbers already issued
# keep them after the 2025 merger of provinces).
_CCCD_PROVINCE_LIST = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 "
    "034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 "
    "067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
)
CCCD_PROVINCE_CODES = frozenset(_CCCD_PROVINCE_LIST.split())

_CCCD = re.compile(r"^\d{12}$")
# Legacy 15-character BHYT card: 2-letter beneficiary group, benefit level 1-5,
# 2-digit province code, 10-digit social insurance code (mã số BHXH).
_BHYT_LEGACY = re.compile(r"^[A-Z]{2}[1-5]\d{12}$")
_SOCIAL_INSURANCE_CODE = re.compile(r"^\d{10}$")
_FACILITY_CODE = re.compile(r"^\d{5}$")
_PHONE = re.compile(r"^0\d{9}$")


class InvalidIdentifier(ValueError):
    """Carries a translation key so the message reaches the user in their language."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def normalize_digits(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def validate_cccd(value: str, *, date_of_birth: date | None = None, sex: str | None = None) -> str:
    """The normalised 12-digit CCCD, or InvalidIdentifier.

    When the date of birth and sex are known they must agree with the century/sex digit and
    the two birth-year digits: a typo in either is caught here instead of in the record.
    """
    digits = normalize_digits(value)
    if not _CCCD.match(digits):
        raise InvalidIdentifier("patients.errors.cccd_format")
    if digits[:3] not in CCCD_PROVINCE_CODES:
        raise InvalidIdentifier("patients.errors.cccd_province")
    gender_century = int(digits[3])
    if date_of_birth is not None:
        century = 1900 + (gender_century // 2) * 100
        if not (century <= date_of_birth.year < century + 100) or int(digits[4:6]) != (
            date_of_birth.year % 100
        ):
            raise InvalidIdentifier("patients.errors.cccd_birth_year")
    if sex in ("male", "female"):
        expected = 0 if sex == "male" else 1
        if gender_century % 2 != expected:
            raise InvalidIdentifier("patients.errors.cccd_sex")
    return digits


def validate_health_insurance_number(value: str) -> str:
    """BHYT number in any accepted form: the legacy 15-character card, the 10-digit social
    insurance code printed on new cards, or the CCCD (which VssID accepts since 2024)."""
    cleaned = normalize_digits(value).upper()
    if _BHYT_LEGACY.match(cleaned) or _SOCIAL_INSURANCE_CODE.match(cleaned):
        return cleaned
    if _CCCD.match(cleaned):
        return validate_cccd(cleaned)
    raise InvalidIdentifier("patients.errors.bhyt_format")


def validate_facility_code(value: str) -> str:
    cleaned = normalize_digits(value)
    if not _FACILITY_CODE.match(cleaned):
        raise InvalidIdentifier("facilities.errors.code_format")
    return cleaned


def validate_phone(value: str) -> str:
    """A Vietnamese mobile or landline number in national form (0xxxxxxxxx); +84 accepted."""
    cleaned = normalize_digits(value)
    if cleaned.startswith("+84"):
        cleaned = "0" + cleaned[3:]
    elif cleaned.startswith("84") and len(cleaned) == 11:
        cleaned = "0" + cleaned[2:]
    if not _PHONE.match(cleaned):
        raise InvalidIdentifier("patients.errors.phone_format")
    return cleaned
