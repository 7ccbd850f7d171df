"""ICD-10 (WHO 2019) look-up and search over the shipped table, with Vietnamese titles where known.

The table is loaded once, lazily, on first use. Search is in memory: exact code, then
code prefix, then title words (every query word must start a word of the title; case
and Vietnamese diacritics are ignored, so "tang huyet ap" finds "Tăng huyết áp").
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from telehealth.terminology._text import tokens

Lang = Literal["vi", "en"]

# Letter, two digits, then an optional dot and one or two more digits: "E11", "E11.9", "B18.00".
_CODE = re.compile(r"^([A-Z])(\d{2})\.?(\d{1,2})?$")
# Dagger/asterisk marks of the dual classification ("A17.0†", "G01*") are not part of the code.
_MARKS = str.maketrans("", "", "†*+ \t")


@dataclass(frozen=True, slots=True)
class Icd10Code:
    """One ICD-10 category (3 characters) or subcategory (4-5 characters)."""

    code: str  # canonical, dotted: "E11.9"
    title_en: str
    title_vi: str | None  # None where no Vietnamese title has been sourced yet
    chapter: str  # Roman numeral: "IV"
    block: str  # "E10-E14"
    is_leaf: bool  # True when no more specific code exists: the one to record

    def title(self, lang: Lang = "vi") -> str:
        """Title in the asked language, falling back to English."""
        if lang == "vi" and self.title_vi is not None:
            return self.title_vi
        return self.title_en


@dataclass(frozen=True, slots=True)
class Icd10Chapter:
    chapter: str  # Roman numeral
    range: str  # "A00-B99"
    title_en: str
    title_vi: str


@dataclass(frozen=True, slots=True)
class Icd10Block:
    code: str  # "I10-I15"
    chapter: str
    title_en: str


def normalize_code(code: str) -> str | None:
    """Canonical dotted form of an ICD-10 code ("e119", " E11.9 " -> "E11.9"), or None.

    Only the shape is checked here; use is_valid() or lookup() to know the code exists.
    """
    match = _CODE.match(code.translate(_MARKS).upper())
    if match is None:
        return None
    letter, digits, detail = match.groups()
    return f"{letter}{digits}.{detail}" if detail else f"{letter}{digits}"


class _Index:
    """The loaded table and its search structures (built once, read-only afterwards)."""

    def __init__(self, raw: dict[str, list]) -> None:  # type: ignore[type-arg]
        self.chapters = [Icd10Chapter(**c) for c in raw["chapters"]]
        self.blocks = {b["code"]: Icd10Block(**b) for b in raw["blocks"]}
        self.codes = [Icd10Code(*row) for row in raw["codes"]]
        self.position = {c.code: i for i, c in enumerate(self.codes)}
        # Codes without the dot, sorted, for prefix search with bisect ("E1" -> E10, E10.0, ...).
        self.undotted = sorted((c.code.replace(".", ""), i) for i, c in enumerate(self.codes))
        self.undotted_keys = [key for key, _ in self.undotted]
        self.en = _WordIndex([c.title_en for c in self.codes])
        self.vi = _WordIndex([c.title_vi or "" for c in self.codes])


class _WordIndex:
    """Word-prefix index over one title per code."""

    def __init__(self, titles: list[str]) -> None:
        self.folded = [" ".join(tokens(t)) for t in titles]
        postings: dict[str, set[int]] = {}
        for i, title in enumerate(self.folded):
            for word in title.split():
                postings.setdefault(word, set()).add(i)
        self.words = sorted(postings)
        self.postings = postings
        self._prefix_cache: dict[str, frozenset[int]] = {}

    def _with_prefix(self, prefix: str) -> frozenset[int]:
        cached = self._prefix_cache.get(prefix)
        if cached is not None:
            return cached
        hits: set[int] = set()
        words = self.words
        at = bisect_left(words, prefix)
        while at < len(words) and words[at].startswith(prefix):
            hits |= self.postings[words[at]]
            at += 1
        result = frozenset(hits)
        # Short prefixes expand to many words and are worth keeping; caching only those
        # bounds the cache by the vocabulary, whatever users type.
        if len(prefix) <= 3:
            self._prefix_cache[prefix] = result
        return result

    def match(self, query_words: list[str]) -> set[int]:
        """Codes whose title has, for every query word, a word starting with it."""
        sets = sorted((self._with_prefix(w) for w in query_words), key=len)
        if not sets:
            return set()
        result = set(sets[0])
        for other in sets[1:]:
            result &= other
            if not result:
                break
        return result

    def rank_key(self, i: int, phrase: str) -> tuple[int, int, int, int]:
        """Titles starting with the whole query first; then titles with fewer words, where
        the query says more of the title (the general condition before its variants);
        then titles holding the query as one phrase; then shorter titles."""
        title = self.folded[i]
        starts = 0 if title.startswith(phrase) else 1
        contains = 0 if starts == 0 or f" {phrase}" in title else 1
        return starts, title.count(" ") + 1, contains, len(title)


@cache
def _index() -> _Index:
    text = (
        resources.files("telehealth.terminology")
        .joinpath("data/icd10.json")
        .read_text(encoding="utf-8")
    )
    return _Index(json.loads(text))


def lookup(code: str) -> Icd10Code | None:
    """The ICD-10 code, given in any usual spelling ("e119", "E11.9", " e11.9 "), or None."""
    canonical = normalize_code(code)
    if canonical is None:
        return None
    index = _index()
    position = index.position.get(canonical)
    return None if position is None else index.codes[position]


def is_valid(code: str) -> bool:
    """True when the code is an ICD-10 (WHO 2019) category or subcategory."""
    return lookup(code) is not None


def chapters() -> list[Icd10Chapter]:
    return list(_index().chapters)


def block(code: str) -> Icd10Block | None:
    """A block of categories by its range, e.g. "I10-I15"."""
    return _index().blocks.get(code.strip().upper())


def search(query: str, lang: Lang = "vi", limit: int = 20) -> list[Icd10Code]:
    """Codes matching the query, best first: exact code, code prefix, then title words.

    With lang="vi" Vietnamese titles are searched first and English titles after them,
    since most codes have no Vietnamese title yet; with lang="en" only English titles.
    """
    if limit <= 0:
        return []
    index = _index()
    found: list[int] = []
    seen: set[int] = set()

    def add(candidates: list[int]) -> bool:
        for i in candidates:
            if i not in seen:
                seen.add(i)
                found.append(i)
                if len(found) >= limit:
                    return True
        return False

    canonical = normalize_code(query)
    exact = index.position.get(canonical) if canonical else None
    if exact is not None and add([exact]):
        return [index.codes[i] for i in found]

    prefix = query.translate(_MARKS).replace(".", "").upper()
    if re.fullmatch(r"[A-Z]\d{0,4}", prefix) and add(_code_prefix(index, prefix, limit + 1)):
        return [index.codes[i] for i in found]

    words = tokens(query)
    if words:
        phrase = " ".join(words)
        word_indexes = [index.vi, index.en] if lang == "vi" else [index.en]
        for word_index in word_indexes:
            hits = word_index.match(words)
            ranked = sorted(hits, key=lambda i: (*word_index.rank_key(i, phrase), i))
            if add(ranked):
                break
    return [index.codes[i] for i in found]


def _code_prefix(index: _Index, prefix: str, limit: int) -> list[int]:
    keys = index.undotted_keys
    at = bisect_left(keys, prefix)
    end = min(len(keys), at + limit)
    out: list[int] = []
    while at < end and keys[at].startswith(prefix):
        out.append(index.undotted[at][1])
        at += 1
    return out
