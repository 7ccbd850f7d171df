"""An aiortc peer that joins a signaling v1 room and exchanges real audio/video.

Used by the tests, and for browser↔aiortc interop:

    python -m signaling.tools.peer --url ws://127.0.0.1:8765/ws/signaling/v1 --token T

It follows the contract's negotiation rules: the newcomer offers to every peer in
`welcome`/`admitted`; on `peer-joined` it waits for the offer. On an offer
collision the impolite side (larger peer_id) ignores the remote offer; the
polite side, since aiortc cannot roll back, replaces its connection and answers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections import Counter
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
from aiortc.sdp import candidate_from_sdp

from signaling.tools.client import SignalingClient
from signaling.tools.media import PatternVideoTrack

log = logging.getLogger(__name__)
PING_INTERVAL = 10.0


class AiortcPeer:
    """One participant: a signaling socket plus one RTCPeerConnection per remote peer."""

    def __init__(
        self, url: str, token: str, *, video_size: tuple[int, int] = (160, 120),
        use_ice_servers: bool = True,
    ) -> None:
        self.url, self.token = url, token
        self.video_size = video_size
        self.use_ice_servers = use_ice_servers
        self.client: SignalingClient | None = None
        self.welcome: dict[str, Any] = {}
        self.pcs: dict[str, RTCPeerConnection] = {}
        self.frames: dict[str, Counter[str]] = {}
        self.connected: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._changed = asyncio.Event()

    @property
    def peer_id(self) -> str:
        return str(self.welcome["peer_id"])

    async def join(self) -> dict[str, Any]:
        self.client = await SignalingClient.connect(self.url)
        self.welcome = await self.client.hello(self.token)
        self._spawn(self._read_loop())
        self._spawn(self._keepalive())
        if self.welcome["state"] == "admitted":
            for peer in self.welcome["peers"]:
                await self._offer(peer["peer_id"])
        return self.welcome

    async def wait_for_frames(self, audio: int, video: int, within: float = 20.0) -> None:
        """Until every remote peer has sent us that many decoded frames of each kind."""
        async with asyncio.timeout(within):
            while True:
                counts = list(self.frames.values())
                if counts and all(c["audio"] >= audio and c["video"] >= video for c in counts):
                    return
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            for pc in list(self.pcs.values()):
                await pc.close()
        finally:
            self.pcs.clear()
            if self.client is not None:
                with contextlib.suppress(Exception):
                    await self.client.send({"type": "leave"})
                await self.client.close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _new_pc(self, remote: str) -> RTCPeerConnection:
        servers = [
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in (self.welcome.get("ice_servers", []) if self.use_ice_servers else [])
        ]
        pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.pcs[remote] = pc
        self.frames.setdefault(remote, Counter())
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(PatternVideoTrack(*self.video_size))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._spawn(self._consume(remote, track))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState == "connected":
                self.connected.add(remote)
                await self._send({"type": "event", "name": "connected",
                                  "detail": {"remote_peer_id": remote}})
            elif pc.connectionState in ("failed", "closed"):
                self.connected.discard(remote)
            self._changed.set()

        return pc

    async def _consume(self, remote: str, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.frames[remote][track.kind] += 1
                self._changed.set()

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.client is not None
        await self.client.send(message)

    async def _offer(self, remote: str) -> None:
        pc = self._new_pc(remote)
        await pc.setLocalDescription(await pc.createOffer())  # gathers every candidate
        await self._send_description(remote, pc)

    async def _send_description(self, remote: str, pc: RTCPeerConnection) -> None:
        desc = pc.localDescription
        await self._send({"type": "signal", "to": remote,
                          "data": {"description": {"type": desc.type, "sdp": desc.sdp}}})
        # aiortc does not trickle: the SDP carries every candidate, so end-of-candidates now.
        await self._send({"type": "signal", "to": remote, "data": {"candidate": None}})

    async def _on_signal(self, remote: str, data: dict[str, Any]) -> None:
        if "description" in data:
            desc = data["description"]
            pc = self.pcs.get(remote)
            if desc["type"] == "offer":
                if pc is not None and pc.signalingState != "stable":
                    if self.peer_id > remote:
                        return  # impolite: our offer wins
                    await pc.close()  # polite: aiortc has no rollback, start afresh
                    pc = None
                pc = pc or self._new_pc(remote)
                await pc.setRemoteDescription(RTCSessionDescription(desc["sdp"], "offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                await self._send_description(remote, pc)
            elif pc is not None and desc["type"] == "answer":
                await pc.setRemoteDescription(RTCSessionDescription(desc["sdp"], "answer"))
        elif data.get("candidate") and remote in self.pcs:
            init = data["candidate"]
            if init.get("candidate"):
                candidate = candidate_from_sdp(init["candidate"].removeprefix("candidate:"))
                candidate.sdpMid = init.get("sdpMid")
                candidate.sdpMLineIndex = init.get("sdpMLineIndex")
                await self.pcs[remote].addIceCandidate(candidate)

    async def _read_loop(self) -> None:
        assert self.client is not None
        while True:
            message = await self.client.recv(within=3600)
            kind = message["type"]
            if kind == "signal":
                await self._on_signal(message["from"], message["data"])
            elif kind == "admitted":
                for peer in message["peers"]:
                    await self._offer(peer["peer_id"])
            elif kind == "peer-left":
                pc = self.pcs.pop(message["peer_id"], None)
                if pc is not None:
                    await pc.close()
            elif kind == "error":
                log.warning("signaling error: %s", message)

    async def _keepalive(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(PING_INTERVAL)
            await self._send({"type": "ping", "ts": loop.time()})
            for remote, counts in self.frames.items():
                await self._send({"type": "stats", "sample": {
                    "remote_peer_id": remote, "frames_decoded": counts["video"],
                    "frame_width": self.video_size[0], "frame_height": self.video_size[1]}})


async def _main(args: argparse.Namespace) -> int:
    token = args.token
    if token is None:
        from signaling.tokens import derive_signaling_secret, mint_join_token

        token = mint_join_token(
            derive_signaling_secret(args.secret_key), user_id=args.user, room=args.room,
            role=args.role, display_name=args.user,
        )
    peer = AiortcPeer(args.url, token, use_ice_servers=not args.no_ice_servers)
    try:
        welcome = await peer.join()
        print(json.dumps({"peer_id": welcome["peer_id"], "state": welcome["state"]}), flush=True)
        await asyncio.sleep(args.seconds)
    finally:
        await peer.close()
    print(json.dumps({"frames": {k: dict(v) for k, v in peer.frames.items()}}), flush=True)
    return 0 if all(v["video"] and v["audio"] for v in peer.frames.values()) else 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m signaling.tools.peer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", help="join token; else one is minted from --secret-key")
    parser.add_argument("--secret-key", default="dev-insecure-secret-change-me")
    parser.add_argument("--room", default="dev-room")
    parser.add_argument("--user", default="aiortc-peer")
    parser.add_argument("--role", default="participant",
                        choices=["host", "participant", "guest"])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--no-ice-servers", action="store_true",
                        help="ignore welcome.ice_servers (loopback tests without network)")
    sys.exit(asyncio.run(_main(parser.parse_args(argv))))


if __name__ == "__main__":
    main()
