"""Translations: Vietnamese first, English second, from the JSON catalogs in web/translations."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

Language = Literal["vi", "en"]
LANGUAGES: tuple[Language, ...] = ("vi", "en")
DEFAULT_LANGUAGE: Language = "vi"

# The catalogs belong to the web layer but API error messages use them too; reading them by
# path keeps the import direction one way (telehealth never imports web).
CATALOG_DIR = Path(__file__).resolve().parent.parent / "web" / "translations"


@cache
def catalog(lang: Language) -> dict[str, str]:
    """Every `<lang>*.json` file, flattened to dotted keys.

    Areas keep their own files (`vi.booking.json`...) and may add keys under a shared
    namespace such as `nav.`; two files giving one key different texts is an error.
    """
    merged: dict[str, str] = {}
    for path in sorted(CATALOG_DIR.glob(f"{lang}*.json")):
        for key, text in _flatten(json.loads(path.read_text(encoding="utf-8"))).items():
            if key in merged and merged[key] != text:
                raise ValueError(f"translation key {key!r} is defined twice ({path.name})")
            merged[key] = text
    return merged


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{full}."))
        else:
            out[full] = str(value)
    return out


def translate(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """The message for `key` in `lang`, falling back to Vietnamese, then to the key itself."""
    language: Language = lang if lang in LANGUAGES else DEFAULT_LANGUAGE  # type: ignore[assignment]
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def pick_language(
    explicit: str | None, cookie: str | None, accept_language: str | None
) -> Language:
    for candidate in (explicit, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGUAGES:
                return tag  # type: ignore[return-value]
    return DEFAULT_LANGUAGE
