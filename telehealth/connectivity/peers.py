"""The running probe peers of this process: capped, timed out, closed at shutdown.

Each check is a server-side aiortc RTCPeerConnection, and one Python process carries
about one two-way video call, so the number running at once is capped (the rest get a
429 to retry later). Every peer is closed on whichever comes first: its result, its
timeout, an ICE failure, a newer check by the same user, or the app's shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiortc import RTCIceServer

from signaling.tools.probe import BadOffer, ProbePeer
from telehealth.config import Settings
from telehealth.connectivity.ice import probe_ice_servers
from telehealth.errors import BadRequest, ServiceUnavailable, TooManyRequests

log = logging.getLogger(__name__)

# Figures of peers closed before their result arrived (timeout, ICE failure), kept so a
# late result still carries them; bounded so abandoned checks cannot grow memory.
KEEP_FINISHED = 64


@dataclass(frozen=True, slots=True)
class StartedProbe:
    answer_sdp: str
    # The media kinds the browser sent ("audio", "video"); none for a data-only check.
    kinds: tuple[str, ...]


@dataclass
class _Running:
    peer: ProbePeer
    owner: uuid.UUID
    timer: asyncio.TimerHandle


class ProbePeers:
    def __init__(
        self,
        *,
        max_concurrent: int,
        timeout_seconds: float,
        ice_servers: Callable[[], Sequence[RTCIceServer]] = list,
        echo_video: bool = True,
    ) -> None:
        self.max_concurrent = max_concurrent
        self.timeout_seconds = timeout_seconds
        self._ice_servers = ice_servers
        self._echo_video = echo_video
        self._running: dict[uuid.UUID, _Running] = {}
        self._finished: OrderedDict[uuid.UUID, dict[str, Any]] = OrderedDict()
        self._closing: dict[uuid.UUID, asyncio.Task[None]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> ProbePeers:
        return cls(
            max_concurrent=settings.connection_check_max_concurrent,
            timeout_seconds=settings.connection_check_timeout_seconds,
            ice_servers=lambda: probe_ice_servers(settings),
            echo_video=settings.connection_check_echo_video,
        )

    @property
    def active(self) -> int:
        return len(self._running)

    def is_running(self, check_id: uuid.UUID) -> bool:
        return check_id in self._running

    async def start(self, check_id: uuid.UUID, owner: uuid.UUID, offer_sdp: str) -> StartedProbe:
        """Answer the offer with a new probe peer, or refuse: 429 when full, 400 for bad SDP."""
        # A user runs one check at a time: a new one (a reload, a retry) replaces the old.
        for earlier in [cid for cid, run in self._running.items() if run.owner == owner]:
            await self._close(earlier, reason="replaced")
        if len(self._running) >= self.max_concurrent:
            raise TooManyRequests(
                "connectivity.errors.busy",
                headers={"Retry-After": str(max(1, round(self.timeout_seconds)))},
            )
        peer = ProbePeer(
            self._ice_servers(),
            echo_video=self._echo_video,
            on_failed=lambda: self._begin_close(check_id, "ice_failed"),
        )
        # The slot is taken before the first await, so concurrent offers cannot overshoot;
        # the timer starts now, so a stalled negotiation is bounded too.
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.timeout_seconds, self._begin_close, check_id, "timeout")
        self._running[check_id] = _Running(peer, owner, timer)
        try:
            async with asyncio.timeout(self.timeout_seconds):
                answer = await peer.answer(offer_sdp)
        except BadOffer as exc:
            await self._discard(check_id, reason="bad_offer")
            raise BadRequest("connectivity.errors.bad_offer", details=str(exc)) from exc
        except Exception as exc:
            timed_out = isinstance(exc, TimeoutError) or check_id not in self._running
            await self._discard(check_id, reason="error")
            if timed_out:  # ICE gathering outlasted the whole check: the server's network
                raise ServiceUnavailable("connectivity.errors.unavailable") from exc
            raise
        except BaseException:  # cancelled: the client went away mid-negotiation
            await self._discard(check_id, reason="cancelled")
            raise
        return StartedProbe(answer, tuple(peer.counters.received_kinds))

    async def finish(self, check_id: uuid.UUID) -> dict[str, Any] | None:
        """Close the check's peer (if still open) and hand over the server's figures."""
        await self._close(check_id, reason="result")
        return self._finished.pop(check_id, None)

    async def close_all(self) -> None:
        """At shutdown: close every peer, including closes already under way."""
        for check_id in list(self._running):
            self._begin_close(check_id, "shutdown")
        if self._closing:
            await asyncio.gather(*self._closing.values(), return_exceptions=True)

    async def _discard(self, check_id: uuid.UUID, *, reason: str) -> None:
        # A check that never started has no row and no result to wait for its figures.
        await self._close(check_id, reason=reason)
        self._finished.pop(check_id, None)

    async def _close(self, check_id: uuid.UUID, *, reason: str) -> None:
        """Close now, or wait for the close a timer or an ICE failure already started."""
        task = self._begin_close(check_id, reason) or self._closing.get(check_id)
        if task is not None:
            # Shielded: a client hanging up on its request must not leave a peer half closed.
            await asyncio.shield(task)

    def _begin_close(self, check_id: uuid.UUID, reason: str) -> asyncio.Task[None] | None:
        # Synchronous, so timers and aiortc event handlers (which cannot await) use it too.
        running = self._running.pop(check_id, None)
        if running is None:
            return None
        running.timer.cancel()
        task = asyncio.ensure_future(self._shut(check_id, running.peer, reason))
        self._closing[check_id] = task
        task.add_done_callback(lambda _: self._closing.pop(check_id, None))
        return task

    async def _shut(self, check_id: uuid.UUID, peer: ProbePeer, reason: str) -> None:
        try:
            figures = await peer.close()
        except Exception:  # a peer that fails to close must not keep its slot or break others
            log.exception("connection check %s: closing the probe peer failed", check_id)
            figures = peer.figures()
        figures["closed_by"] = reason
        self._finished[check_id] = figures
        while len(self._finished) > KEEP_FINISHED:
            self._finished.popitem(last=False)
        log.info("connection check %s closed (%s)", check_id, reason)
