"""The catalogs: both languages have the same keys, and placeholders agree."""

from __future__ import annotations

import re

from telehealth.i18n import catalog, translate

_PLACEHOLDER = re.compile(r"{(\w+)}")


def test_vietnamese_and_english_have_the_same_keys() -> None:
    vi, en = catalog("vi"), catalog("en")
    assert sorted(set(vi) - set(en)) == []
    assert sorted(set(en) - set(vi)) == []


def test_placeholders_match_between_languages() -> None:
    vi, en = catalog("vi"), catalog("en")
    mismatched = [
        key
        for key in vi
        if key in en and set(_PLACEHOLDER.findall(vi[key])) != set(_PLACEHOLDER.findall(en[key]))
    ]
    assert mismatched == []


def test_unknown_language_falls_back_to_vietnamese() -> None:
    assert translate("auth.login", "fr") == "Đăng nhập"
    assert translate("auth.login", "en") == "Log in"
