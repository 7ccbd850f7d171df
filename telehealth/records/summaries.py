"""Encounter summaries of video visits (tóm tắt khám bệnh từ xa): the prefilled form and the
check against the Circular 30/2023 list of conditions that may be treated remotely."""

from __future__ import annotations

from typing import Literal

from telehealth.consultations.context import ServiceContext
from telehealth.records import repository
from telehealth.records.access import Subject
from telehealth.records.schemas import DiagnosisView, RemoteCareNotice, SummaryContent
from telehealth.terminology import is_remote_treatable, lookup, remote_care_list


async def prefill(ctx: ServiceContext, subject: Subject) -> SummaryContent:
    visit = subject.appointment
    assert visit is not None
    live = await repository.live_session(ctx.session, subject.room)
    return SummaryContent(
        started_at=(live.started_at if live else None) or visit.start_at,
        ended_at=(live.ended_at if live else None) or visit.end_at,
    )


def remote_care_notice(codes: list[str], lang: str = "vi") -> RemoteCareNotice | None:
    """The visit's diagnoses that the remote-care list we hold does not name, or None.

    A notice, never a refusal: the list in our data is known to be incomplete
    (`complete` is False: 8 of the Circular's 50 rows), so "not found" may only mean
    "not in the part we could source"; the doctor checks the Circular itself.
    """
    language: Literal["vi", "en"] = "en" if lang == "en" else "vi"
    outside = [code for code in codes if not is_remote_treatable(code)]
    if not outside:
        return None
    current = remote_care_list()
    views = []
    for code in outside:
        found = lookup(code)
        views.append(DiagnosisView(code=code, title=found.title(language) if found else code))
    return RemoteCareNotice(codes=views, list_version=current.id, list_complete=current.complete)
