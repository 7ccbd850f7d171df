"""The pages: write the minutes from the consultation page, review, sign, see the signed view
with its verification badge, PDF link and delivery; a co-consultant's opinion form."""

from __future__ import annotations

import re

from tests.fixtures.http import web_login
from tests.records.conftest import Api, accepted_request, signed_minutes


async def test_a_consultant_writes_reviews_and_signs_the_minutes_on_the_pages(api: Api) -> None:
    cid = await accepted_request(api)
    client = api.client
    csrf = await web_login(client, api.net.usernames["cardio"])
    detail = await client.get(f"/consultations/{cid}")
    assert "Viết biên bản hội chẩn" in detail.text

    form = await client.get(f"/records/consultations/{cid}/minutes")
    assert form.status_code == 200
    assert "Biên bản hội chẩn" in form.text and "Thành phần tham dự" in form.text
    action = re.search(r'action="(/records/drafts/[^"]+)"', form.text)
    assert action is not None
    questions = re.findall(r'name="(answer_[^"]+)"', form.text)
    data = {
        "csrf_token": csrf, "participant": ["0", "1"],
        "participants_extra": "ĐD. Lê Thị Hoa | Trạm Y tế xã An",
        "started_at": "2026-11-23T08:00", "ended_at": "2026-11-23T08:30",
        "case_summary": "Đau ngực trái 2 giờ.", "diagnosis_codes": "I21.1, I10",
        "conclusion": "Nhồi máu cơ tim cấp thành dưới.", "recommendations": "Aspirin 300 mg.",
        "disposition": "transfer", "disposition_note": "", "follow_up_on": "",
        "intent": "review", **{q: "Chuyển tuyến ngay." for q in questions},
    }
    saved = await client.post(action.group(1), data=data)
    assert saved.status_code == 303, saved.text
    review = await client.get(saved.headers["location"])
    assert "Bản nháp đã đủ nội dung để ký." in review.text
    assert "ĐD. Lê Thị Hoa" in review.text
    sign = re.search(r'action="(/records/drafts/[^"]+/sign)"', review.text)
    assert sign is not None
    signed = await client.post(sign.group(1), data={"csrf_token": csrf})
    assert signed.status_code == 303
    page = await client.get(signed.headers["location"])
    assert "Chữ ký hợp lệ" in page.text
    assert "Đã ký và đưa vào hàng đợi" in page.text
    assert "Đang chờ gửi" in page.text  # no platform in the demo: visibly pending
    assert "/pdf" in page.text and "I21.1" in page.text
    back = await client.get(f"/consultations/{cid}")
    assert "Xem biên bản hội chẩn" in back.text


async def test_a_bad_date_shows_the_form_again_with_an_error(api: Api) -> None:
    cid = await accepted_request(api)
    csrf = await web_login(api.client, api.net.usernames["cardio"])
    form = await api.client.get(f"/records/consultations/{cid}/minutes")
    action = re.search(r'action="(/records/drafts/[^"]+)"', form.text)
    assert action is not None
    response = await api.client.post(action.group(1), data={
        "csrf_token": csrf, "diagnosis_codes": "X99.99", "intent": "save"})
    assert response.status_code == 422
    assert "Mã ICD-10 không có trong danh mục." in response.text


async def test_an_invited_colleague_adds_an_opinion_on_the_consultation_page(api: Api) -> None:
    cid = await accepted_request(api)
    await api.act("cardio", cid, "invite", {
        "practitioner_ids": [str(api.net.practitioners["cardio2"])], "note": ""})
    csrf = await web_login(api.client, api.net.usernames["cardio2"])
    page = await api.client.get(f"/consultations/{cid}")
    assert "Ý kiến của bạn" in page.text
    sent = await api.client.post(f"/records/consultations/{cid}/opinion",
                                 data={"csrf_token": csrf, "text": "Đồng ý chuyển tuyến."})
    assert sent.status_code == 303
    assert "Đồng ý chuyển tuyến." in (await api.client.get(f"/consultations/{cid}")).text


async def test_the_records_page_lists_documents_in_english_too(api: Api) -> None:
    cid = await accepted_request(api)
    await signed_minutes(api, cid)
    await web_login(api.client, api.net.usernames["cardio"])
    page = await api.client.get("/records?lang=en")
    assert page.status_code == 200
    assert "Consultation minutes" in page.text and "Waiting to be sent" in page.text
