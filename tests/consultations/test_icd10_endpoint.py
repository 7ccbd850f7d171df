"""The ICD-10 search box's endpoint: staff only, Vietnamese titles first."""

from __future__ import annotations

from tests.consultations.conftest import Api, Network


async def test_staff_search_by_vietnamese_words(api: Api, net: Network) -> None:
    response = await api.get("requester", "/terminology/icd10", params={"q": "tang huyet ap"})
    assert response.status_code == 200
    first = response.json()[0]
    assert first["code"] == "I10"
    assert first["title"].startswith("Tăng huyết áp")


async def test_search_by_code_in_english(api: Api, net: Network) -> None:
    hits = (await api.get("cardio", "/terminology/icd10",
                          params={"q": "e119", "lang": "en", "limit": 3})).json()
    assert hits[0] == {"code": "E11.9", "title": hits[0]["title_en"],
                       "title_en": hits[0]["title_en"], "is_leaf": True}
    assert len(hits) <= 3


async def test_patients_may_not_search_and_anonymous_is_401(api: Api, net: Network) -> None:
    assert (await api.get("patient", "/terminology/icd10", params={"q": "I10"})).status_code == 403
    anonymous = await api.client.get("/api/v1/terminology/icd10", params={"q": "I10"})
    assert anonymous.status_code == 401
    assert (await api.get("cardio", "/terminology/icd10", params={"q": ""})).status_code == 422
