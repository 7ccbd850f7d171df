"""ICD-10 search: ranking (exact code, code prefix, title words) and Vietnamese folding."""

import statistics
import time

import pytest

from telehealth.terminology import search


def codes(results: list) -> list[str]:  # type: ignore[type-arg]
    return [c.code for c in results]


def test_exact_code_comes_first_in_any_spelling() -> None:
    assert codes(search("e119"))[0] == "E11.9"
    assert codes(search("J18.9"))[0] == "J18.9"


def test_exact_category_comes_before_its_subcategories() -> None:
    assert codes(search("E11", limit=4)) == ["E11", "E11.0", "E11.1", "E11.2"]


def test_code_prefix_lists_codes_in_order() -> None:
    assert codes(search("I1", limit=5)) == ["I10", "I11", "I11.0", "I11.9", "I12"]


def test_code_prefix_matches_rank_before_title_matches() -> None:
    results = codes(search("a", lang="en", limit=5000))
    first_non_a = next(i for i, code in enumerate(results) if not code.startswith("A"))
    assert all(not code.startswith("A") for code in results[first_non_a:])
    assert "B15" in results[first_non_a:]  # "Acute hepatitis A", found by its title


@pytest.mark.parametrize(
    "query", ["tang huyet ap", "Tăng huyết áp", "TĂNG HUYẾT ÁP", "tăng huyet áp"]
)
def test_vietnamese_search_ignores_case_and_diacritics(query: str) -> None:
    assert codes(search(query))[:2] == ["I10", "I11"]


def test_d_with_stroke_folds_to_d() -> None:
    assert "E11" in codes(search("dai thao duong"))


def test_query_words_match_title_word_prefixes() -> None:
    assert codes(search("vie pho"))[:2] == ["J18.9", "J18"]


def test_title_starting_with_the_query_ranks_before_one_containing_it() -> None:
    # "Viêm họng cấp..." starts with the query; "Viêm mũi họng cấp..." only contains the words.
    results = codes(search("viem hong cap"))
    assert results.index("J02") < results.index("J00")


def test_shorter_titles_rank_before_longer_ones_with_the_same_words() -> None:
    # I10 "Essential (primary) hypertension" before O10.0 "Pre-existing essential hypertension
    # complicating pregnancy, childbirth and the puerperium".
    results = codes(search("essential hypertension", lang="en"))
    assert results.index("I10") < results.index("O10.0")


def test_every_query_word_must_match() -> None:
    assert search("tang huyet ap zzz") == []


def test_english_search_does_not_use_vietnamese_titles() -> None:
    assert search("tang huyet ap", lang="en") == []
    assert codes(search("essential hypertension", lang="en"))[0] == "I10"


def test_vietnamese_search_falls_back_to_english_titles() -> None:
    results = codes(search("cholera", lang="vi"))
    assert results[0] == "A00"
    assert "A00.9" in results


def test_vietnamese_titles_rank_before_english_ones_in_vietnamese_search() -> None:
    results = search("dengue", lang="vi", limit=10)
    with_vi = [r.title_vi is not None for r in results]
    assert with_vi == sorted(with_vi, reverse=True)
    assert with_vi[0] and not with_vi[-1]


def test_limit_is_respected() -> None:
    assert len(search("a", limit=3)) == 3
    assert search("a", limit=0) == []


@pytest.mark.parametrize("query", ["", "   ", "...", "--"])
def test_empty_queries_find_nothing(query: str) -> None:
    assert search(query) == []


def test_search_is_fast_once_loaded() -> None:
    queries = ["tang huyet ap", "I1", "viem", "e11.9", "diabetes", "a", "dau dau", "pneumonia"]
    search("warm up")
    timings = []
    for _ in range(20):
        for query in queries:
            start = time.perf_counter()
            search(query)
            timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.005
