"""Versioned list of conditions that may be examined and treated remotely (Circular 30/2023/TT-BYT).

Vietnamese: "Danh mục bệnh, tình trạng bệnh được khám bệnh, chữa bệnh từ xa". Each
version is one JSON file in data/remote_care/; entries name ICD-10 codes or code
ranges ("E66", "J31.1", "F00-F99"). A code covers its subcategories: "E66" covers
"E66.9", but "J31.1" does not cover the whole category "J31".

Callers that flag a video visit outside the list should also read
`RemoteCareList.complete`: a list that could only be partly transcribed answers False
for conditions that the Circular does allow (see docs/terminology.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from telehealth.terminology.icd10 import is_valid, normalize_code


class UnknownRemoteCareVersion(LookupError):
    """No remote-care list with that version id is shipped."""


@dataclass(frozen=True, slots=True)
class Icd10Range:
    """Inclusive range of ICD-10 codes; a single code is a range whose ends are equal."""

    start: str  # canonical dotted codes
    end: str

    @classmethod
    def parse(cls, spec: str) -> Icd10Range:
        """Parse "E66" or "F00-F99" (a hyphen or an en dash between the ends)."""
        ends = [part.strip() for part in spec.replace("–", "-").split("-")]
        if len(ends) not in (1, 2):
            raise ValueError(f"not an ICD-10 code or range: {spec!r}")
        canonical = [normalize_code(end) for end in ends]
        if any(c is None for c in canonical):
            raise ValueError(f"not an ICD-10 code or range: {spec!r}")
        start, end = canonical[0], canonical[-1]
        assert start is not None and end is not None
        if start > end:
            raise ValueError(f"ICD-10 range runs backwards: {spec!r}")
        return cls(start, end)

    def contains(self, code: str) -> bool:
        """Whether a canonical code falls in the range, counting descendants of its ends."""
        return code[: len(self.start)] >= self.start and code[: len(self.end)] <= self.end

    def __str__(self) -> str:
        return self.start if self.start == self.end else f"{self.start}-{self.end}"


@dataclass(frozen=True, slots=True)
class RemoteCareEntry:
    no: int  # STT: the row number in the Circular's table
    specialty: str  # Chuyên khoa
    name_vi: str  # Bệnh, tình trạng bệnh - as written in the Circular
    icd10: tuple[Icd10Range, ...]

    def covers(self, code: str) -> bool:
        return any(r.contains(code) for r in self.icd10)


@dataclass(frozen=True, slots=True)
class RemoteCareList:
    id: str  # "TT-30-2023"
    title_vi: str
    title_en: str
    legal_source: str
    issued_on: date
    effective_from: date
    declared_entry_count: int  # how many entries the legal text has
    complete: bool  # False when fewer entries than that could be sourced
    transcribed_from: tuple[str, ...]
    entries: tuple[RemoteCareEntry, ...]

    def entry_for(self, icd10_code: str) -> RemoteCareEntry | None:
        """The entry allowing this code, or None (also for malformed or unknown codes)."""
        canonical = normalize_code(icd10_code)
        if canonical is None or not is_valid(canonical):
            return None
        return next((e for e in self.entries if e.covers(canonical)), None)


def _parse(raw: dict) -> RemoteCareList:  # type: ignore[type-arg]
    entries = tuple(
        RemoteCareEntry(
            no=e["no"],
            specialty=e["specialty"],
            name_vi=e["name_vi"],
            icd10=tuple(Icd10Range.parse(spec) for spec in e["icd10"]),
        )
        for e in raw["entries"]
    )
    return RemoteCareList(
        id=raw["id"],
        title_vi=raw["title_vi"],
        title_en=raw["title_en"],
        legal_source=raw["legal_source"],
        issued_on=date.fromisoformat(raw["issued_on"]),
        effective_from=date.fromisoformat(raw["effective_from"]),
        declared_entry_count=raw["declared_entry_count"],
        complete=raw["complete"],
        transcribed_from=tuple(raw["transcribed_from"]),
        entries=entries,
    )


@cache
def _lists() -> tuple[RemoteCareList, ...]:
    """Every shipped version, oldest first."""
    folder = resources.files("telehealth.terminology").joinpath("data/remote_care")
    parsed = [
        _parse(json.loads(item.read_text(encoding="utf-8")))
        for item in folder.iterdir()
        if item.name.endswith(".json")
    ]
    return tuple(sorted(parsed, key=lambda lst: (lst.effective_from, lst.id)))


def remote_care_versions() -> list[str]:
    """Version ids, oldest first."""
    return [lst.id for lst in _lists()]


def remote_care_list(version: str | None = None) -> RemoteCareList:
    """The list with that version id; the latest one (by effective date) when None."""
    lists = _lists()
    if version is None:
        return lists[-1]
    for lst in lists:
        if lst.id == version:
            return lst
    raise UnknownRemoteCareVersion(version)


def remote_care_list_in_force(on: date) -> RemoteCareList | None:
    """The list in force on a day (the latest effective on or before it), or None before any."""
    in_force = [lst for lst in _lists() if lst.effective_from <= on]
    return in_force[-1] if in_force else None


def is_remote_treatable(icd10_code: str, version: str | None = None) -> bool:
    """True when the code is on the remote-care list (latest version by default).

    False for codes not on the list and for malformed or non-existent codes. Check
    `remote_care_list(version).complete` before treating False as "not allowed".
    """
    return remote_care_list(version).entry_for(icd10_code) is not None
