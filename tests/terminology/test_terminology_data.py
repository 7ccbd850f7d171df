"""Integrity of the shipped code sets: the ICD-10 table and every remote-care version."""

import json
from importlib import resources

from telehealth.terminology import (
    block,
    chapters,
    lookup,
    remote_care_list,
    remote_care_versions,
    search,
)
from telehealth.terminology._text import tokens
from telehealth.terminology.icd10 import _index


def _data(name: str) -> dict:  # type: ignore[type-arg]
    path = resources.files("telehealth.terminology").joinpath(f"data/{name}")
    return json.loads(path.read_text(encoding="utf-8"))


def test_table_holds_the_whole_who_2019_tabular_list() -> None:
    index = _index()
    assert len(index.chapters) == 22
    assert len(index.blocks) == 274
    assert len(index.codes) == 12246


def test_every_code_belongs_to_a_known_block_of_its_chapter() -> None:
    known_chapters = {c.chapter for c in chapters()}
    for code in _index().codes:
        found = block(code.block)
        assert found is not None, code
        assert found.chapter == code.chapter in known_chapters, code


def test_leaf_flag_matches_the_hierarchy() -> None:
    all_codes = [c.code for c in _index().codes]
    parents = {code[:-1].rstrip(".") for code in all_codes if len(code) > 3}
    for code in _index().codes:
        assert code.is_leaf == (code.code not in parents), code.code


def test_codes_are_unique_and_canonical() -> None:
    all_codes = [c.code for c in _index().codes]
    assert len(set(all_codes)) == len(all_codes)
    assert all(lookup(code).code == code for code in all_codes)  # type: ignore[union-attr]


def test_every_curated_vietnamese_title_is_in_the_table() -> None:
    curated = _data("icd10_vi_curated.json")
    for code, title in curated["codes"].items():
        assert lookup(code).title_vi == title  # type: ignore[union-attr]
    with_vi = [c for c in _index().codes if c.title_vi is not None]
    assert len(with_vi) == len(curated["codes"])


def test_every_curated_vietnamese_title_is_found_by_searching_it_without_diacritics() -> None:
    for code in _index().codes:
        if code.title_vi is not None:
            assert code in search(" ".join(tokens(code.title_vi)), limit=50), code.code


def test_every_remote_care_code_resolves_to_real_icd10_codes() -> None:
    for version in remote_care_versions():
        care_list = remote_care_list(version)
        assert care_list.entries, version
        for entry in care_list.entries:
            assert entry.icd10, entry
            for code_range in entry.icd10:
                assert lookup(code_range.start) is not None, (version, entry.no, code_range)
                assert lookup(code_range.end) is not None, (version, entry.no, code_range)


def test_remote_care_entries_are_numbered_once_within_the_declared_count() -> None:
    for version in remote_care_versions():
        care_list = remote_care_list(version)
        numbers = [entry.no for entry in care_list.entries]
        assert len(set(numbers)) == len(numbers), version
        assert all(1 <= n <= care_list.declared_entry_count for n in numbers), version
        assert care_list.complete == (len(numbers) == care_list.declared_entry_count), version
