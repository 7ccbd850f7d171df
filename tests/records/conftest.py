"""The consultations' referral network, plus helpers that take a request to signed minutes."""

from __future__ import annotations

from typing import Any

import pytest

from telehealth.config import Settings
from tests.consultations.conftest import Api, Network, api, job_context, net  # noqa: F401
from tests.fixtures.fhir_server import FhirTestServer, fhir_server, fhir_server_process  # noqa: F401

MINUTES = {
    "started_at": "2026-11-23T01:00:00Z",
    "ended_at": "2026-11-23T01:30:00Z",
    "case_summary": "Nam 58 tuổi, đau ngực trái 2 giờ, tăng huyết áp 10 năm.",
    "diagnosis_codes": ["i21.1", "I10"],
    "conclusion": "Nhồi máu cơ tim cấp thành dưới; cần can thiệp mạch vành.",
    "recommendations": "Aspirin 300 mg nhai, clopidogrel 300 mg; theo dõi monitor.",
    "disposition": "transfer",
    "disposition_note": "Chuyển Bệnh viện Đa khoa tỉnh bằng xe cấp cứu có bác sĩ.",
}


async def accepted_request(caller: Api, consultant: str = "cardio") -> str:
    created = await caller.open()
    cid = str(created["id"])
    response = await caller.act(consultant, cid, "accept", {"note": "Nhận"})
    assert response.status_code == 200, response.text
    return cid


async def open_minutes(caller: Api, who: str, cid: str) -> dict[str, Any]:
    response = await caller.post(who, f"/records/consultations/{cid}/minutes/draft")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def complete(draft: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    content = dict(draft["content"])
    content.update(MINUTES)
    content["answers"] = [{"question_id": a["question_id"], "conclusion": f"Trả lời {i}"}
                          for i, a in enumerate(content["answers"], start=1)]
    content.update(overrides)
    return content


async def save(caller: Api, who: str, draft_id: str, content: dict[str, Any]) -> Any:
    return await caller.client.put(f"/api/v1/records/drafts/{draft_id}", json=content,
                                headers=await caller.headers(who))


async def signed_minutes(caller: Api, cid: str, who: str = "cardio", **overrides: Any
                         ) -> dict[str, Any]:
    draft = await open_minutes(caller, who, cid)
    saved = await save(caller, who, draft["id"], complete(draft, **overrides))
    assert saved.status_code == 200, saved.text
    assert saved.json()["missing"] == []
    signed = await caller.post(who, f"/records/drafts/{draft['id']}/sign")
    assert signed.status_code == 201, signed.text
    return signed.json()  # type: ignore[no-any-return]


@pytest.fixture
def vhr_settings(settings: Settings, fhir_server: FhirTestServer) -> Settings:  # noqa: F811
    return settings.model_copy(update={
        "vhr_base_url": fhir_server.base_url,
        "vhr_token_url": fhir_server.token_url,
        "vhr_client_id": fhir_server.client_id,
        "vhr_client_secret": fhir_server.client_secret,
    })
