"""The Circular 30/2023/TT-BYT remote-care list: versions, code and range matching."""

from datetime import date

import pytest

from telehealth.terminology import (
    Icd10Range,
    RemoteCareEntry,
    RemoteCareList,
    UnknownRemoteCareVersion,
    is_remote_treatable,
    remote_care_list,
    remote_care_list_in_force,
    remote_care_versions,
)


def test_latest_version_is_circular_30_2023() -> None:
    latest = remote_care_list()
    assert latest.id == "TT-30-2023"
    assert remote_care_versions()[-1] == "TT-30-2023"
    assert "30/2023/TT-BYT" in latest.legal_source
    assert (latest.issued_on, latest.effective_from) == (date(2023, 12, 30), date(2024, 1, 1))


def test_version_in_force_on_a_day() -> None:
    assert remote_care_list_in_force(date(2023, 12, 31)) is None
    assert remote_care_list_in_force(date(2024, 1, 1)).id == "TT-30-2023"  # type: ignore[union-attr]


def test_unknown_version_is_an_error() -> None:
    with pytest.raises(UnknownRemoteCareVersion):
        remote_care_list("TT-99-2099")
    with pytest.raises(UnknownRemoteCareVersion):
        is_remote_treatable("E66", version="TT-99-2099")


@pytest.mark.parametrize("code", ["E66", "e66.9", "E66.0", "J00", "j311", "K12.0", "M53.1"])
def test_listed_codes_and_their_subcategories_are_remote_treatable(code: str) -> None:
    assert is_remote_treatable(code)
    assert is_remote_treatable(code, version="TT-30-2023")


def test_a_listed_subcategory_does_not_cover_its_whole_category() -> None:
    assert is_remote_treatable("J31.1")
    assert not is_remote_treatable("J31")
    assert not is_remote_treatable("J31.0")


@pytest.mark.parametrize("code", ["", "nonsense", "E66.7", "E6", "I10-I15"])
def test_malformed_or_unknown_codes_are_not_remote_treatable(code: str) -> None:
    assert not is_remote_treatable(code)


def test_code_outside_the_sourced_entries_is_not_remote_treatable() -> None:
    assert not is_remote_treatable("S72.0")  # fracture of neck of femur


def test_entry_for_names_the_row_of_the_circular() -> None:
    entry = remote_care_list().entry_for("m255")
    assert entry is not None
    assert (entry.no, entry.specialty, entry.name_vi) == (7, "Cơ Xương Khớp", "Đau vai gáy")


def test_partial_transcription_is_flagged_as_incomplete() -> None:
    latest = remote_care_list()
    assert latest.declared_entry_count == 50
    assert latest.complete is (len(latest.entries) == latest.declared_entry_count)


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        ("F00-F99", ["F00", "F32.1", "F99"], ["E99", "G00", "G00.0"]),
        ("F00–F99", ["F41.1"], ["G47.0"]),
        ("M25.5-M25.9", ["M25.5", "M25.6", "M25.9"], ["M25", "M25.4", "M26.0"]),
        ("E66", ["E66", "E66.9"], ["E65", "E67.0"]),
        ("j31.1", ["J31.1"], ["J31", "J31.2"]),
    ],
)
def test_ranges_contain_their_ends_and_everything_between(
    spec: str, inside: list[str], outside: list[str]
) -> None:
    code_range = Icd10Range.parse(spec)
    assert all(code_range.contains(code) for code in inside)
    assert not any(code_range.contains(code) for code in outside)


@pytest.mark.parametrize("spec", ["F99-F00", "nonsense", "A00-B00-C00", "F00-", ""])
def test_bad_range_specs_are_rejected(spec: str) -> None:
    with pytest.raises(ValueError):
        Icd10Range.parse(spec)


def test_range_entries_match_codes_inside_the_range() -> None:
    mental = RemoteCareEntry(1, "Tâm thần", "Rối loạn tâm thần", (Icd10Range.parse("F00-F99"),))
    care_list = RemoteCareList(
        id="TEST",
        title_vi="",
        title_en="",
        legal_source="",
        issued_on=date(2024, 1, 1),
        effective_from=date(2024, 1, 1),
        declared_entry_count=1,
        complete=True,
        transcribed_from=(),
        entries=(mental,),
    )
    assert care_list.entry_for("f32.1") is mental
    assert care_list.entry_for("G47.0") is None
    assert care_list.entry_for("F32.7") is None  # in the range but not a real ICD-10 code
