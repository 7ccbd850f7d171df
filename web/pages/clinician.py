"""The clinician's agenda page: a day or a week of slots and booked visits, in Vietnam time."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from telehealth.accounts.deps import ClinicianActor
from telehealth.clock import to_local
from telehealth.db import SessionDep
from telehealth.deps import ClockDep
from telehealth.scheduling.agenda import read_agenda
from telehealth.scheduling.expand import local_today
from web.templating import render

router = APIRouter(prefix="/clinician")


@router.get("/agenda")
async def agenda_page(
    request: Request,
    actor: ClinicianActor,
    session: SessionDep,
    clock: ClockDep,
    view: Literal["day", "week"] = "day",
    on: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    today = local_today(clock.now())
    anchor = on or today
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())  # weeks start on Monday (Thứ Hai)
        last, step = first + timedelta(days=6), timedelta(days=7)
    else:
        first = last = anchor
        step = timedelta(days=1)
    agenda = await read_agenda(session, actor, first, last)
    by_day = {
        day: list(entries)
        for day, entries in groupby(agenda.entries, key=lambda e: to_local(e.start_at).date())
    }
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    booked = sum(1 for e in agenda.entries if e.appointment is not None)
    return render(
        request,
        "clinician/agenda.html",
        {
            "view": view,
            "days": days,
            "by_day": by_day,
            "first": first,
            "today": today,
            "prev": (first - step).isoformat(),
            "next": (first + step).isoformat(),
            "booked": booked,
            "free": len(agenda.entries) - booked,
        },
    )
