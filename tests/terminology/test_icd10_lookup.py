"""ICD-10 look-up: code normalisation, validity and the shape of the shipped table."""

import dataclasses

import pytest

from telehealth.terminology import block, chapters, is_valid, lookup, normalize_code


@pytest.mark.parametrize("spelling", ["E11.9", "e119", "E119", " e11.9 ", "e11.9\t", "E 11.9"])
def test_lookup_accepts_usual_spellings(spelling: str) -> None:
    code = lookup(spelling)
    assert code is not None
    assert code.code == "E11.9"
    assert code.title_en == "Type 2 diabetes mellitus without complications"


def test_lookup_strips_dagger_and_asterisk_marks() -> None:
    assert lookup("A17.0†").code == "A17.0"  # type: ignore[union-attr]
    assert lookup("G01*").code == "G01"  # type: ignore[union-attr]


def test_category_without_subcategories_is_a_leaf() -> None:
    code = lookup("i10")
    assert code is not None
    assert (code.code, code.chapter, code.block, code.is_leaf) == ("I10", "IX", "I10-I15", True)


def test_category_with_subcategories_is_not_a_leaf() -> None:
    assert lookup("E11").is_leaf is False  # type: ignore[union-attr]


def test_five_character_subcategory_is_found() -> None:
    assert lookup("b1800").code == "B18.00"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text", ["", "   ", "E", "E1", "11.9", "E11..9", "EE11", "E119999", "hypertension", "I10-I15"]
)
def test_malformed_codes_are_rejected(text: str) -> None:
    assert normalize_code(text) is None
    assert lookup(text) is None
    assert not is_valid(text)


@pytest.mark.parametrize("code", ["E11.99", "E66.7", "U99", "Z99.99"])
def test_well_formed_but_unknown_codes_are_invalid(code: str) -> None:
    assert normalize_code(code) is not None
    assert lookup(code) is None
    assert not is_valid(code)


def test_normalize_code_gives_the_dotted_form() -> None:
    assert normalize_code("j189") == "J18.9"
    assert normalize_code("J18") == "J18"


def test_vietnamese_title_when_curated_else_none() -> None:
    hypertension = lookup("I10")
    cholera = lookup("A00")
    assert hypertension is not None and cholera is not None
    assert hypertension.title_vi == "Tăng huyết áp vô căn (nguyên phát)"
    assert hypertension.title("vi") == hypertension.title_vi
    assert cholera.title_vi is None
    assert cholera.title("vi") == "Cholera"
    assert hypertension.title("en") == "Essential (primary) hypertension"


def test_codes_are_frozen() -> None:
    code = lookup("I10")
    with pytest.raises(dataclasses.FrozenInstanceError):
        code.title_en = "changed"  # type: ignore[misc, union-attr]


def test_every_chapter_has_english_and_vietnamese_titles() -> None:
    all_chapters = chapters()
    assert [c.chapter for c in all_chapters][:3] == ["I", "II", "III"]
    assert len(all_chapters) == 22
    assert all(c.title_en and c.title_vi for c in all_chapters)
    circulatory = next(c for c in all_chapters if c.chapter == "IX")
    assert (circulatory.range, circulatory.title_vi) == ("I00-I99", "Bệnh hệ tuần hoàn")


def test_block_by_range() -> None:
    hypertensive = block(" i10-i15 ")
    assert hypertensive is not None
    assert (hypertensive.chapter, hypertensive.title_en) == ("IX", "Hypertensive diseases")
    assert block("I10-I99") is None
