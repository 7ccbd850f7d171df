"""The connection-check peer: a server-side aiortc endpoint that echoes media and answers probes.

A browser (or any WebRTC client) opens two data channels and, optionally, audio and
video tracks. This peer:

* echoes every ping on the unreliable `probe-ping` channel verbatim, so the client
  measures round-trip time from its own timestamps and loss from missing sequence
  numbers (the channel never retransmits, so a lost packet is a lost ping);
* counts bytes the client pushes on the reliable `probe-bulk` channel (upload) and, on
  request, pushes a bounded burst back (download), pacing on `bufferedAmount`;
* sends the client's audio and video back through a MediaRelay, so the client sees its
  own media after a real network round trip.

The wire format is in docs/connection-check.md. Everything here is bounded: a burst
never exceeds MAX_BURST_BYTES or MAX_BURST_SECONDS whatever the client asks, so a check
cannot turn this process into a traffic generator. Server-side media stays cheap by
design: encoding one 640x480 VP8 frame costs ~12 ms in aiortc, so clients send a small,
low-rate video track, and `echo_video=False` answers video without re-encoding it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaBlackhole, MediaRelay
from aiortc.sdp import SessionDescription
from aiortc.stats import RTCInboundRtpStreamStats, RTCRemoteInboundRtpStreamStats

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
PING_LABEL = "probe-ping"
BULK_LABEL = "probe-bulk"
# A ping is `{"seq": n, "t": ms}`; anything much longer is not a ping and is not echoed.
MAX_PING_CHARS = 200
MAX_CONTROL_CHARS = 1000
MAX_BURST_BYTES = 2 * 1024 * 1024
MAX_BURST_SECONDS = 5.0
CHUNK_BYTES = 16 * 1024
# Keep at most this much queued in aiortc's SCTP sender: on a 500 kbit/s link 64 KiB is
# about one second of data, so a burst stops promptly when its time is up.
HIGH_WATER_BYTES = 64 * 1024

Clock = Callable[[], float]


class BadOffer(ValueError):
    """The client's SDP cannot start a check (unparsable, or without a data channel)."""


@dataclass
class ProbeCounters:
    """What the server itself observed; the protocol's pure core (no I/O)."""

    clock: Clock = time.monotonic
    pings_received: int = 0
    highest_ping_seq: int = -1
    upload_bytes: int = 0
    upload_first_at: float | None = None
    upload_last_at: float | None = None
    download_bytes: int = 0
    download_seconds: float = 0.0
    received_kinds: list[str] = field(default_factory=list)
    echoed_kinds: list[str] = field(default_factory=list)

    def on_ping(self, text: str) -> str | None:
        """The reply to a ping (the ping itself), or None when it is not a ping."""
        if len(text) > MAX_PING_CHARS:
            return None
        try:
            message = json.loads(text)
        except ValueError:
            return None
        seq = message.get("seq") if isinstance(message, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            return None
        self.pings_received += 1
        self.highest_ping_seq = max(self.highest_ping_seq, seq)
        return text

    def on_upload(self, size: int) -> None:
        now = self.clock()
        if self.upload_first_at is None:
            self.upload_first_at = now
        self.upload_last_at = now
        self.upload_bytes += size

    @property
    def upload_kbps(self) -> float | None:
        """Goodput between the first and the last upload message, in kbit/s."""
        if self.upload_first_at is None or self.upload_last_at is None:
            return None
        seconds = self.upload_last_at - self.upload_first_at
        if seconds < 0.001:
            return None
        return self.upload_bytes * 8 / seconds / 1000

    @property
    def upstream_loss_percent(self) -> float | None:
        """Pings lost on the way in, judged from the highest sequence number seen."""
        if self.highest_ping_seq < 0:
            return None
        expected = self.highest_ping_seq + 1
        return max(0.0, (expected - self.pings_received) / expected * 100)

    def upload_result(self) -> dict[str, Any]:
        first, last = self.upload_first_at, self.upload_last_at
        millis = (last - first) * 1000 if first is not None and last is not None else 0.0
        return {"type": "upload-result", "bytes": self.upload_bytes, "ms": round(millis, 1)}

    def as_dict(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "pings_received": self.pings_received,
            "highest_ping_seq": self.highest_ping_seq,
            "upstream_loss_percent": _rounded(self.upstream_loss_percent),
            "upload_bytes": self.upload_bytes,
            "upload_kbps": _rounded(self.upload_kbps),
            "download_bytes": self.download_bytes,
            "download_seconds": round(self.download_seconds, 3),
            "received_kinds": list(self.received_kinds),
            "echoed_kinds": list(self.echoed_kinds),
        }


def parse_control(text: str) -> dict[str, Any] | None:
    """A control message on the bulk channel, or None when it is not one."""
    if len(text) > MAX_CONTROL_CHARS:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return None
    return message


def burst_limits(message: dict[str, Any]) -> tuple[int, float]:
    """The (bytes, seconds) a download request may have: the client's ask, clamped."""
    raw_bytes, raw_ms = message.get("bytes"), message.get("ms")
    size = int(raw_bytes) if isinstance(raw_bytes, int | float) else MAX_BURST_BYTES
    millis = float(raw_ms) if isinstance(raw_ms, int | float) else MAX_BURST_SECONDS * 1000
    return (
        max(0, min(size, MAX_BURST_BYTES)),
        max(0.0, min(millis / 1000, MAX_BURST_SECONDS)),
    )


class ProbePeer:
    """One connection check: an answering RTCPeerConnection speaking the probe protocol.

    `close()` is idempotent and always safe; the owner (a registry with a timeout)
    must call it, and `on_failed` tells the owner when ICE or DTLS gave up first.
    """

    def __init__(
        self,
        ice_servers: Sequence[RTCIceServer] = (),
        *,
        echo_video: bool = True,
        on_failed: Callable[[], object] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=list(ice_servers)))
        self.counters = ProbeCounters(clock=clock)
        self.echo_video = echo_video
        self.media: dict[str, dict[str, Any]] = {}
        self._clock = clock
        self._on_failed = on_failed
        self._relay = MediaRelay()
        self._sinks: list[MediaBlackhole] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_connection_state)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def connection_state(self) -> str:
        return str(self.pc.connectionState)

    async def answer(self, offer_sdp: str) -> str:
        """The SDP answer, with every candidate in it (aiortc gathers before returning).

        Raises BadOffer for an SDP that is not a usable offer; the caller closes.
        """
        try:
            parsed = SessionDescription.parse(offer_sdp)
        except Exception as exc:  # aiortc's parser signals bad input with asserts, too
            raise BadOffer("the offer is not valid SDP") from exc
        if not any(m.kind == "application" for m in parsed.media):
            raise BadOffer("the offer has no data channel: the probe protocol needs one")
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        except ValueError as exc:
            raise BadOffer(str(exc)) from exc
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        return str(self.pc.localDescription.sdp)

    def figures(self) -> dict[str, Any]:
        """Everything the server measured so far, JSON-ready."""
        return {**self.counters.as_dict(), "media": dict(self.media),
                "connection_state": self.connection_state}

    async def close(self) -> dict[str, Any]:
        """Stop everything and return the final server-side figures."""
        if not self._closed:
            self._closed = True
            try:
                await self._collect_media_stats()
            except Exception:  # stats are a bonus; closing is not optional
                log.warning("connection check: could not read media statistics", exc_info=True)
            for task in list(self._tasks):
                task.cancel()
            for sink in self._sinks:
                with contextlib.suppress(Exception):
                    await sink.stop()
            await self.pc.close()
        return self.figures()

    # -- media ------------------------------------------------------------------------

    def _on_track(self, track: MediaStreamTrack) -> None:
        self.counters.received_kinds.append(track.kind)
        if track.kind == "audio" or (track.kind == "video" and self.echo_video):
            # buffered=False: a slow encoder drops frames instead of queueing them up.
            self.pc.addTrack(self._relay.subscribe(track, buffered=False))
            self.counters.echoed_kinds.append(track.kind)
            return
        # Unconsumed remote tracks queue every decoded frame forever; drain them instead.
        sink = MediaBlackhole()
        sink.addTrack(track)
        self._sinks.append(sink)
        self._spawn(sink.start())

    async def _collect_media_stats(self) -> None:
        report = await self.pc.getStats()
        for stats in report.values():
            if isinstance(stats, RTCInboundRtpStreamStats):
                entry = self.media.setdefault(stats.kind, {})
                received, lost = stats.packetsReceived, max(0, stats.packetsLost)
                entry["packets_received"] = received
                entry["packets_lost"] = lost
                total = received + lost
                entry["loss_percent"] = round(lost / total * 100, 2) if total else None
            # aiortc reports no round trip until an RTCP receiver report echoed our timing.
            elif (isinstance(stats, RTCRemoteInboundRtpStreamStats)
                  and stats.roundTripTime is not None):
                entry = self.media.setdefault(stats.kind, {})
                entry["rtt_ms"] = round(stats.roundTripTime * 1000, 1)

    # -- data channels ------------------------------------------------------------------

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if channel.label == PING_LABEL:
            channel.on("message", lambda message: self._on_ping(channel, message))
        elif channel.label == BULK_LABEL:
            channel.bufferedAmountLowThreshold = HIGH_WATER_BYTES // 2
            channel.on("message", lambda message: self._on_bulk(channel, message))
        else:
            log.debug("connection check: ignoring data channel %r", channel.label)

    def _on_ping(self, channel: RTCDataChannel, message: str | bytes) -> None:
        if isinstance(message, str) and (reply := self.counters.on_ping(message)) is not None:
            _send(channel, reply)

    def _on_bulk(self, channel: RTCDataChannel, message: str | bytes) -> None:
        if isinstance(message, bytes):
            self.counters.on_upload(len(message))
            return
        control = parse_control(message)
        if control is None:
            return
        if control["type"] == "upload-end":
            _send(channel, json.dumps(self.counters.upload_result()))
        elif control["type"] == "download":
            size, seconds = burst_limits(control)
            self._spawn(self._download(channel, size, seconds))

    async def _download(self, channel: RTCDataChannel, size: int, seconds: float) -> None:
        drained = asyncio.Event()
        channel.on("bufferedamountlow", drained.set)
        chunk = bytes(CHUNK_BYTES)
        started = self._clock()
        sent = 0
        try:
            while sent < size and self._clock() - started < seconds:
                if channel.readyState != "open":
                    return
                if channel.bufferedAmount > HIGH_WATER_BYTES:
                    drained.clear()
                    remaining = seconds - (self._clock() - started)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(drained.wait(), timeout=max(0.0, remaining))
                    continue
                piece = chunk[: min(CHUNK_BYTES, size - sent)]
                channel.send(piece)
                sent += len(piece)
                # Let the SCTP transport run between chunks; aiortc sends from this loop.
                await asyncio.sleep(0)
        finally:
            channel.remove_listener("bufferedamountlow", drained.set)
            elapsed = self._clock() - started
            self.counters.download_bytes += sent
            self.counters.download_seconds += elapsed
        _send(channel, json.dumps({"type": "download-end", "bytes": sent,
                                   "ms": round(elapsed * 1000, 1)}))

    # -- lifecycle ----------------------------------------------------------------------

    def _on_connection_state(self) -> None:
        if self.pc.connectionState == "failed" and self._on_failed is not None:
            self._on_failed()

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _send(channel: RTCDataChannel, data: str | bytes) -> None:
    if channel.readyState == "open":
        channel.send(data)


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def ice_server(urls: Sequence[str], username: str | None = None,
               credential: str | None = None) -> RTCIceServer:
    """An aiortc RTCIceServer from the same fields a browser's RTCIceServer has."""
    return RTCIceServer(urls=list(urls), username=username, credential=credential)
