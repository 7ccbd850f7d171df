"""The connection-check page: explains the check, runs it in the browser, lists recent results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from telehealth.connectivity import service
from telehealth.connectivity.deps import CheckerActor
from telehealth.connectivity.ice import browser_ice_servers
from telehealth.db import SessionDep
from telehealth.deps import SettingsDep
from telehealth.i18n import catalog, translate
from telehealth.models import ConnectionCheck, Role
from web.templating import page_language, render

router = APIRouter()

# What the browser measures. 100 pings make 1 % of loss visible; 40 ms apart they take
# 4 s. Bursts are bounded by size and time: above ~2 Mbit/s the figure means "enough".
CLIENT_PLAN: dict[str, int] = {
    "ping_count": 100,
    "ping_interval_ms": 40,
    "burst_bytes": 1024 * 1024,
    "burst_ms": 3000,
    "gather_timeout_ms": 5000,
    "connect_timeout_ms": 10000,
}


def _messages(lang: str) -> dict[str, str]:
    """The page's strings for the script, keyed as in the catalog (Vietnamese as fallback)."""
    return {
        key: translate(key, lang)
        for key in catalog("vi")
        if key.startswith("connectivity.") and not key.startswith("connectivity.errors.")
    }


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One past check as the table shows it: figures already formatted for the language."""

    started_at: datetime
    who: str
    rtt: str
    loss: str
    bitrate: str
    verdict: str | None


def _number(value: float, lang: str, digits: int = 0) -> str:
    # Vietnamese writes 8.836,5 where English writes 8,836.5.
    text = f"{value:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def _figure(key: str, value: float | None, lang: str, digits: int = 0) -> str:
    if value is None:
        return "—"
    return translate(f"connectivity.figures.{key}", lang, value=_number(value, lang, digits))


def _history_row(check: ConnectionCheck, who: str, lang: str) -> HistoryRow:
    return HistoryRow(
        started_at=check.started_at,
        who=who,
        rtt=_figure("ms", check.rtt_ms, lang),
        loss=_figure("percent", check.loss_percent, lang, digits=1),
        bitrate=_figure("kbps", check.bitrate_kbps, lang),
        verdict=str(check.verdict) if check.verdict else None,  # a plain str once loaded
    )


@router.get("/connection-check")
async def connection_check_page(
    request: Request, actor: CheckerActor, session: SessionDep, settings: SettingsDep
) -> Response:
    lang = page_language(request)
    config: dict[str, Any] = {
        **CLIENT_PLAN,
        "lang": lang,
        "offer_url": "/api/v1/connectivity/offer",
        "result_url": "/api/v1/connectivity/{check_id}/result",
        "ice_servers": browser_ice_servers(settings, actor.user_id),
        "messages": _messages(lang),
    }
    recent = await service.recent_for_page(session, actor)
    history = [_history_row(check, who, lang) for check, who in recent]
    return render(
        request,
        "connectivity/check.html",
        {
            "config": config,
            "history": history,
            "facility_view": actor.role is Role.facility_admin and actor.facility_id is not None,
        },
    )
