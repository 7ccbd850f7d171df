"""Who may see a request (404 for everyone else), and illegal transitions through the API."""

from __future__ import annotations

import pytest

from tests.consultations.conftest import Api, Network


@pytest.mark.parametrize("who", ["outsider", "derma", "prov_cardio", "province_admin"])
async def test_people_without_a_relation_get_404(api: Api, net: Network, who: str) -> None:
    cid = (await api.open())["id"]
    for path in (f"/consultations/{cid}", f"/consultations/{cid}/timeline"):
        response = await api.get(who, path)
        assert response.status_code == 404, (who, path)
        assert response.json()["error"]["code"] == "not_found"
    assert (await api.act(who, cid, "accept")).status_code == 404
    assert (await api.get(who, f"/consultations/{cid}/attachments/{cid}")).status_code == 404


@pytest.mark.parametrize("who", ["patient", "regulator"])
async def test_patients_and_regulators_are_refused(api: Api, net: Network, who: str) -> None:
    cid = (await api.open())["id"]
    assert (await api.get(who, f"/consultations/{cid}")).status_code == 403
    assert (await api.get(who, "/consultations")).status_code == 403
    assert (await api.post(who, "/consultations", json=api.body())).status_code == 403


async def test_a_draft_is_private_to_the_requesting_facility(api: Api, net: Network) -> None:
    cid = (await api.open(submit=False))["id"]
    assert (await api.get("station2", f"/consultations/{cid}")).status_code == 200
    assert (await api.get("cardio", f"/consultations/{cid}")).status_code == 404
    assert (await api.get("cardio", "/consultations/queue")).json() == []


async def test_consulting_admin_reads_but_may_not_act(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    seen = await api.get("district_admin", f"/consultations/{cid}")
    assert seen.status_code == 200
    assert seen.json()["parties"] == ["observer"]
    assert seen.json()["actions"] == []
    assert (await api.act("district_admin", cid, "accept")).status_code == 403


async def test_requester_may_not_accept_their_own_request(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    response = await api.act("requester", cid, "accept")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_accepting_a_cancelled_request_names_its_state(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    await api.act("requester", cid, "cancel", {"reason": "Người bệnh từ chối"})
    response = await api.act("cardio", cid, "accept")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert "“Đã huỷ”" in error["message"]
    assert error["details"] == {"status": "cancelled", "action": "accept"}


@pytest.mark.parametrize(
    ("who", "action", "body", "state"),
    [
        ("requester", "submit", None, "submitted"),
        ("requester", "close", {"advice_applied": "abc", "patient_outcome": "abc"}, "submitted"),
        ("cardio", "start-session", None, "submitted"),
    ],
)
async def test_illegal_transitions_through_the_api_are_409(
    api: Api, net: Network, who: str, action: str, body: object, state: str
) -> None:
    cid = (await api.open())["id"]
    response = await api.act(who, cid, action, body)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["details"]["status"] == state
    assert "(submitted)" in response.json()["error"]["message"]


async def test_the_409_speaks_english_when_asked(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    await api.act("cardio", cid, "decline", {"reason": "Ngoài phạm vi"})
    response = await api.client.post(
        f"/api/v1/consultations/{cid}/accept",
        headers=await api.headers("cardio2"),
        params={"lang": "en"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        "Cannot accept: the request is in state “Declined” (declined).")


async def test_second_specialist_to_accept_gets_409(api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    assert (await api.act("cardio", cid, "accept")).status_code == 200
    late = await api.act("cardio2", cid, "accept")
    assert late.status_code == 409
    assert late.json()["error"]["details"]["status"] == "accepted"
