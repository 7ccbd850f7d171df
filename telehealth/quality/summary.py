"""Summaries of measured intervals: means, 95th percentiles, MOS, freezes, grade, chart series."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telehealth.quality import emodel
from telehealth.quality.intervals import Interval

MAX_POINTS = 120  # per chart: a 1-hour call in 30 s buckets


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default, `inclusive` quantiles)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _values(rows: Sequence[Interval], pick: Callable[[Interval], float | None]) -> list[float]:
    return [v for v in (pick(i) for i in rows) if v is not None]


@dataclass
class Figures:
    """The columns of QualityFigures, computed."""

    samples: int = 0
    rtt_mean_ms: float | None = None
    rtt_p95_ms: float | None = None
    jitter_mean_ms: float | None = None
    jitter_p95_ms: float | None = None
    loss_mean_percent: float | None = None
    loss_p95_percent: float | None = None
    bitrate_in_mean_kbps: float | None = None
    bitrate_out_mean_kbps: float | None = None
    fps_mean: float | None = None
    r_factor: float | None = None
    mos: float | None = None
    freeze_count: int = 0
    freeze_seconds: float = 0.0
    reconnects: int = 0
    audio_only_seconds: float = 0.0
    grade: str | None = None

    def columns(self) -> dict[str, Any]:
        return dict(self.__dict__)


def figures(rows: Sequence[Interval], reconnects: int) -> Figures:
    """One participant's figures. Links of a mesh call are averaged for the time-based
    figures (audio-only time is the participant's own, the same on every link)."""
    links = max(1, len({i.link for i in rows}))
    rtt = _values(rows, lambda i: i.rtt_ms)
    jitter = _values(rows, lambda i: i.jitter_ms)
    loss = _values(rows, lambda i: i.loss_percent)
    r_values = _values(rows, lambda i: i.r)
    seconds = sum(i.seconds for i in rows) / links
    freeze_seconds = sum(i.freeze_seconds for i in rows)
    audio_only = sum(i.seconds for i in rows if i.audio_only) / links
    r = mean(r_values)
    out = Figures(
        samples=len(rows),
        rtt_mean_ms=mean(rtt), rtt_p95_ms=percentile(rtt, 95),
        jitter_mean_ms=mean(jitter), jitter_p95_ms=percentile(jitter, 95),
        loss_mean_percent=mean(loss), loss_p95_percent=percentile(loss, 95),
        bitrate_in_mean_kbps=mean(_values(rows, lambda i: i.bitrate_in_kbps)),
        bitrate_out_mean_kbps=mean(_values(rows, lambda i: i.bitrate_out_kbps)),
        fps_mean=mean(_values(rows, lambda i: None if i.audio_only else i.fps)),
        r_factor=r, mos=mean(_values(rows, lambda i: i.mos)),
        freeze_count=sum(i.freezes for i in rows), freeze_seconds=freeze_seconds,
        reconnects=reconnects, audio_only_seconds=audio_only,
    )
    verdict = emodel.grade(
        r=r, duration_seconds=seconds * links, freeze_seconds=freeze_seconds,
        reconnects=reconnects, audio_only_seconds=audio_only * links,
    )
    out.grade = verdict.value if verdict else None
    return _rounded(out)


def session_figures(rows: Sequence[Interval], participants: Sequence[Figures]) -> Figures:
    """The whole session: every interval pooled; the grade of its worst participant."""
    pooled = figures(rows, sum(p.reconnects for p in participants))
    pooled.freeze_count = sum(p.freeze_count for p in participants)
    pooled.freeze_seconds = round(sum(p.freeze_seconds for p in participants), 1)
    pooled.audio_only_seconds = max((p.audio_only_seconds for p in participants), default=0.0)
    grades = [emodel.Grade(p.grade) for p in participants if p.grade]
    pooled.grade = emodel.worst(*grades).value if grades else None
    return pooled


def _rounded(f: Figures) -> Figures:
    for name, value in f.__dict__.items():
        if isinstance(value, float):
            setattr(f, name, round(value, 3 if name in ("mos",) else 2))
    return f


@dataclass
class Series:
    bucket_seconds: int
    points: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"bucket_seconds": self.bucket_seconds, "points": self.points}


SERIES_FIELDS: dict[str, Callable[[Interval], float | None]] = {
    "rtt_ms": lambda i: i.rtt_ms,
    "jitter_ms": lambda i: i.jitter_ms,
    "loss_percent": lambda i: i.loss_percent,
    "bitrate_in_kbps": lambda i: i.bitrate_in_kbps,
    "bitrate_out_kbps": lambda i: i.bitrate_out_kbps,
    "fps": lambda i: None if i.audio_only else i.fps,
    "mos": lambda i: i.mos,
}


def series(rows: Sequence[Interval], start: datetime, end: datetime) -> Series:
    """Bucket means over time (at most MAX_POINTS points): what the charts draw."""
    span = max((end - start).total_seconds(), 1.0)
    bucket = max(5, math.ceil(span / MAX_POINTS / 5) * 5)
    buckets: dict[int, list[Interval]] = {}
    for i in rows:
        index = max(0, int((i.at - start).total_seconds() // bucket))
        buckets.setdefault(index, []).append(i)
    out = Series(bucket_seconds=bucket)
    for index in sorted(buckets):
        members = buckets[index]
        point: dict[str, Any] = {"t": index * bucket}
        for name, pick in SERIES_FIELDS.items():
            value = mean(_values(members, pick))
            point[name] = round(value, 2) if value is not None else None
        point["freezes"] = sum(i.freezes for i in members)
        point["audio_only"] = any(i.audio_only for i in members)
        out.points.append(point)
    return out


def by_user(rows: Sequence[Interval]) -> dict[uuid.UUID, list[Interval]]:
    grouped: dict[uuid.UUID, list[Interval]] = {}
    for i in rows:
        grouped.setdefault(i.user_id, []).append(i)
    return grouped
