"""Text folding for search: case- and diacritics-insensitive matching of Vietnamese and English."""

import re
import unicodedata

_TOKEN = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case and strip diacritics, so "Tăng huyết áp" and "tang huyet ap" compare equal.

    "đ" is a letter of its own in Unicode, not "d" plus a mark, so NFD alone keeps it.
    """
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Folded words of a title or a query."""
    return _TOKEN.findall(fold(text))
