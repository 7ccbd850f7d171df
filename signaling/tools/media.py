"""Small generated media tracks for aiortc peers: cheap to encode, easy to recognise."""

from __future__ import annotations

from aiortc.mediastreams import VideoStreamTrack
from av import VideoFrame
from av.frame import Frame


class PatternVideoTrack(VideoStreamTrack):
    """A low-resolution moving grey ramp: tests stay within one core per two-way call."""

    def __init__(self, width: int = 160, height: int = 120) -> None:
        super().__init__()
        self.width, self.height = width, height
        self._count = 0

    async def recv(self) -> Frame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=self.width, height=self.height, format="yuv420p")
        # Only the luma plane moves; chroma stays neutral grey.
        shade = (self._count * 7) % 200 + 16
        luma, *chroma = frame.planes
        luma.update(bytes([shade]) * luma.buffer_size)
        for plane in chroma:
            plane.update(bytes([128]) * plane.buffer_size)
        self._count += 1
        frame.pts, frame.time_base = pts, time_base
        return frame
