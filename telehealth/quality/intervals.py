"""From raw stats samples to measured intervals (pure, no I/O).

A browser reports cumulative counters per peer connection (packets lost and received,
frames decoded, freezes), so loss, frame rate and freezes of an interval are differences
between consecutive samples of one link: one participant's view of one remote peer. A
counter that goes down means a new peer connection (after an ICE failure or a rejoin),
so the sample counts from zero again.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from telehealth.quality import emodel

NOMINAL_PERIOD_S = 5.0  # the client samples every 5 s
MAX_GAP_S = 30.0  # beyond this, the link was gone (reconnect): no interval is assumed


class RawRecord(Protocol):
    """What intervals need of a `session_quality_record` row."""

    user_id: uuid.UUID
    peer_id: str
    kind: str
    name: str | None
    payload: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Interval:
    at: datetime
    user_id: uuid.UUID
    link: tuple[str, str]  # (peer id, remote peer id)
    seconds: float
    rtt_ms: float | None
    jitter_ms: float | None
    loss_percent: float | None
    bitrate_in_kbps: float | None
    bitrate_out_kbps: float | None
    fps: float | None
    freezes: int
    freeze_seconds: float
    audio_only: bool
    r: float | None
    mos: float | None


def _number(payload: dict[str, Any], key: str) -> float | None:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _delta(now: float | None, before: float | None) -> float | None:
    """The counter's growth; its whole value after a reset (new peer connection)."""
    if now is None:
        return None
    if before is None or now < before:
        return now
    return now - before


def _interval(
    record: RawRecord, previous: RawRecord | None, seen_video: bool
) -> Interval:
    p = record.payload
    q = previous.payload if previous is not None else {}
    gap = (record.recorded_at - previous.recorded_at).total_seconds() if previous else None
    continuous = gap is not None and 0 < gap <= MAX_GAP_S
    seconds = gap if continuous and gap is not None else NOMINAL_PERIOD_S

    lost = _delta(_number(p, "packets_lost"), _number(q, "packets_lost"))
    received = _delta(_number(p, "packets_received"), _number(q, "packets_received"))
    loss: float | None = None
    if lost is not None and received is not None:
        lost = max(lost, 0.0)
        loss = 100 * lost / (lost + received) if lost + received > 0 else 0.0

    fps: float | None = None
    frames_now, frames_before = _number(p, "frames_decoded"), _number(q, "frames_decoded")
    if continuous and frames_now is not None and frames_before is not None:
        fps = _delta(frames_now, frames_before) / seconds  # type: ignore[operator]
    freezes = int(_delta(_number(p, "freeze_count"), _number(q, "freeze_count")) or 0)
    audio_only = p.get("audio_only") is True

    freeze_seconds = 0.0
    duration = _delta(_number(p, "freeze_duration_ms"), _number(q, "freeze_duration_ms"))
    if duration is not None and previous is not None:
        freeze_seconds = min(duration / 1000, seconds)
    elif continuous and seen_video and not audio_only and fps == 0:
        # Without the browser's freeze duration: video was flowing on this link and no
        # frame was decoded for the whole interval, so the picture stood still.
        freeze_seconds = seconds

    rtt, jitter = _number(p, "rtt_ms"), _number(p, "jitter_ms")
    r = mos = None
    if rtt is not None:
        audio = emodel.estimate(rtt, jitter or 0.0, loss or 0.0)
        r, mos = audio.r, audio.mos
    return Interval(
        at=record.recorded_at, user_id=record.user_id,
        link=(record.peer_id, str(p.get("remote_peer_id", ""))), seconds=seconds,
        rtt_ms=rtt, jitter_ms=jitter, loss_percent=loss,
        bitrate_in_kbps=_number(p, "bitrate_in_kbps"),
        bitrate_out_kbps=_number(p, "bitrate_out_kbps"),
        fps=fps, freezes=freezes, freeze_seconds=freeze_seconds, audio_only=audio_only,
        r=r, mos=mos,
    )


def intervals(records: Iterable[RawRecord]) -> list[Interval]:
    """Every sample as an interval of its link, in time order."""
    samples = sorted((r for r in records if r.kind == "sample"), key=lambda r: r.recorded_at)
    last: dict[tuple[uuid.UUID, str, str], RawRecord] = {}
    video_links: set[tuple[uuid.UUID, str, str]] = set()
    out: list[Interval] = []
    for record in samples:
        key = (record.user_id, record.peer_id, str(record.payload.get("remote_peer_id", "")))
        out.append(_interval(record, last.get(key), key in video_links))
        if _number(record.payload, "frame_width"):
            video_links.add(key)
        last[key] = record
    return out


def reconnects(records: Sequence[RawRecord]) -> dict[uuid.UUID, int]:
    """`reconnected` events per user: each is a link that came back after dropping."""
    counts: dict[uuid.UUID, int] = {}
    for r in records:
        if r.kind == "event" and r.name == "reconnected":
            counts[r.user_id] = counts.get(r.user_id, 0) + 1
    return counts
