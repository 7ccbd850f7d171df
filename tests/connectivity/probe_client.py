"""An aiortc client that speaks the connection-check protocol, as the browser page does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiortc import RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack

from signaling.tools.media import PatternVideoTrack
from signaling.tools.probe import BULK_LABEL, CHUNK_BYTES, PING_LABEL


@dataclass
class PingOutcome:
    sent: int
    received: int
    rtts_ms: list[float]

    @property
    def median_rtt_ms(self) -> float:
        return statistics.median(self.rtts_ms)


class ProbeClient:
    """One side of a check: offers, opens the two channels, measures, counts echoed frames."""

    def __init__(self, *, audio: bool = True, video: bool = True) -> None:
        self.pc = RTCPeerConnection()
        self.echoed: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pongs: dict[int, float] = {}
        self._bulk_text: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.downloaded = 0
        self._frame_arrived = asyncio.Event()
        self.ping_channel: RTCDataChannel = self.pc.createDataChannel(
            PING_LABEL, ordered=False, maxRetransmits=0
        )
        self.bulk_channel: RTCDataChannel = self.pc.createDataChannel(BULK_LABEL)
        self.ping_channel.on("message", self._on_pong)
        self.bulk_channel.on("message", self._on_bulk)
        if audio:
            self.pc.addTrack(AudioStreamTrack())
        if video:
            self.pc.addTrack(PatternVideoTrack())
        self.pc.on("track", self._on_track)

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept(self, answer_sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer_sdp, type="answer"))

    async def wait_open(self, within: float = 15.0) -> None:
        async with asyncio.timeout(within):
            for channel in (self.ping_channel, self.bulk_channel):
                if channel.readyState != "open":
                    opened = asyncio.Event()
                    channel.once("open", opened.set)
                    await opened.wait()

    async def ping(
        self, count: int = 20, interval: float = 0.02, grace: float = 0.5
    ) -> PingOutcome:
        sent_at: dict[int, float] = {}
        for seq in range(count):
            sent_at[seq] = time.monotonic()
            self.ping_channel.send(json.dumps({"seq": seq, "t": sent_at[seq] * 1000}))
            await asyncio.sleep(interval)
        await asyncio.sleep(grace)
        rtts = [(self._pongs[s] - sent_at[s]) * 1000 for s in sent_at if s in self._pongs]
        return PingOutcome(sent=count, received=len(rtts), rtts_ms=rtts)

    async def upload(self, size: int) -> dict[str, Any]:
        chunk = bytes(CHUNK_BYTES)
        sent = 0
        while sent < size:
            if self.bulk_channel.bufferedAmount > 256 * 1024:
                await asyncio.sleep(0.005)  # aiortc's sender drains on this same loop
                continue
            self.bulk_channel.send(chunk)
            sent += len(chunk)
            await asyncio.sleep(0)
        self.bulk_channel.send(json.dumps({"type": "upload-end"}))
        return await self.bulk_message("upload-result")

    async def download(self, size: int, millis: float) -> tuple[dict[str, Any], float]:
        """The server's download-end message and the kbit/s the client saw."""
        self.downloaded = 0
        started = time.monotonic()
        self.bulk_channel.send(json.dumps({"type": "download", "bytes": size, "ms": millis}))
        end = await self.bulk_message("download-end", within=millis / 1000 + 10)
        elapsed = time.monotonic() - started
        return end, self.downloaded * 8 / elapsed / 1000

    async def bulk_message(self, kind: str, within: float = 10.0) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                message = await self._bulk_text.get()
                if message.get("type") == kind:
                    return message

    async def wait_for_echo(self, audio: int, video: int, within: float = 20.0) -> None:
        async with asyncio.timeout(within):
            while self.echoed["audio"] < audio or self.echoed["video"] < video:
                self._frame_arrived.clear()
                await self._frame_arrived.wait()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.pc.close()

    def _on_pong(self, message: str | bytes) -> None:
        if isinstance(message, str):
            seq = json.loads(message)["seq"]
            self._pongs.setdefault(seq, time.monotonic())

    def _on_bulk(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            self.downloaded += len(message)
        else:
            self._bulk_text.put_nowait(json.loads(message))

    def _on_track(self, track: MediaStreamTrack) -> None:
        task = asyncio.ensure_future(self._count_frames(track))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _count_frames(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.echoed[track.kind] += 1
                self._frame_arrived.set()
