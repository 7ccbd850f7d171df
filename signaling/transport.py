"""The signaling WebSocket endpoint: adapts the pure protocol and room machine to sockets.

Mount with `app.add_api_websocket_route("/ws/signaling/v1", service.endpoint)` and
call `await service.start()` / `await service.stop()` in the app's lifespan.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError
from starlette.websockets import WebSocket

from signaling import protocol
from signaling import room as rooms
from signaling.bus import Bus, RedisBus
from signaling.config import SignalingSettings
from signaling.connection import Admitted, Connection, frames_of
from signaling.platform import PlatformPort, QualityRecord, rfc3339
from signaling.protocol import ClientMessage, ProtocolError
from signaling.quality import QualitySink
from signaling.ratelimit import TokenBucket, Verdict
from signaling.room import Effect, JoinRefused, Member, RoomError, RoomState, Roster
from signaling.routing import decode_effect, frame_message, plan_room_messages, worker_channel
from signaling.store import MemoryRoomStore, RedisRoomStore, RoomStore
from signaling.tokens import InvalidJoinToken, derive_signaling_secret, verify_join_token
from signaling.turn import build_ice_servers

log = logging.getLogger(__name__)
Transition = Callable[[RoomState], tuple[RoomState, rooms.Outcome]]


class SignalingService:
    """One worker of the signaling service; any number of them may share a Redis bus."""

    def __init__(
        self,
        settings: SignalingSettings,
        bus: Bus,
        platform: PlatformPort,
        *,
        store: RoomStore | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.worker_id = worker_id or secrets.token_hex(6)
        self._bus = bus
        self._platform = platform
        if store is None:
            store = (
                RedisRoomStore(bus.client, settings.store_prefix)
                if isinstance(bus, RedisBus)
                else MemoryRoomStore()
            )
        self._store = store
        self._secret = derive_signaling_secret(settings.secret_key)
        self._limits = rooms.Limits(settings.resume_grace, settings.max_peers_per_room)
        self._sink = QualitySink(platform, maxsize=settings.quality_queue_size)
        self._conns: dict[str, Connection] = {}
        self._room_conns: dict[str, set[str]] = {}
        self._rosters: dict[str, Roster] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._started = False
        # Handlers that never wait, then those that may (a signal tries `_signal_now` first).
        self._handlers_now: dict[type, Callable[[Connection, Any], None]] = {
            protocol.Stats: self._on_stats,
            protocol.Event: self._on_event,
            protocol.Ping: self._on_ping,
        }
        self._handlers: dict[type, Callable[[Connection, Any], Awaitable[None]]] = {
            protocol.Signal: self._on_signal,
            protocol.Chat: self._on_chat,
            protocol.Leave: self._on_leave,
            protocol.End: self._on_end,
            protocol.Admit: self._on_admit,
            protocol.Deny: self._on_deny,
            protocol.Hello: self._on_second_hello,
        }

    @property
    def connection_count(self) -> int:
        return len(self._conns)

    @property
    def quality(self) -> QualitySink:
        """The quality queue, for its counters (dropped, shed unparsed, failed)."""
        return self._sink

    @property
    def room_count(self) -> int:
        """Rooms with at least one socket on this worker (for the platform's metrics)."""
        return len(self._room_conns)

    async def start(self) -> None:
        ready = asyncio.Event()
        self._spawn(self._listen(ready))
        self._spawn(self._sweep_liveness())
        self._sink.start()
        await ready.wait()  # the worker channel is live before any socket is served
        self._started = True

    async def stop(self, drain_seconds: float = 5.0) -> None:
        self._started = False
        for conn in list(self._conns.values()):
            conn.close(protocol.CLOSE_GOING_AWAY, "server shutdown")
        if self._conns:
            self._idle.clear()
            try:
                async with asyncio.timeout(drain_seconds):
                    await self._idle.wait()
            except TimeoutError:
                log.warning("%d sockets still open at shutdown", len(self._conns))
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._sink.stop()

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # Socket lifecycle ---------------------------------------------------------------

    async def endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        if not self._started:
            await websocket.close(protocol.CLOSE_TRY_AGAIN_LATER, "starting or stopping")
            return
        settings = self.settings
        conn = Connection(
            websocket=websocket,
            frames=frames_of(websocket),
            bucket=TokenBucket(settings.rate_limit_per_second, settings.rate_limit_burst),
            max_outbound=settings.max_outbound_queue,
            last_seen=asyncio.get_running_loop().time(),
        )
        self._conns[conn.conn_id] = conn
        reader = asyncio.create_task(self._read(conn))
        try:
            await conn.write_loop()
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await self._forget(conn)

    async def _read(self, conn: Connection) -> None:
        try:
            hello = await self._await_hello(conn)
            if hello is not None and await self._join(conn, hello):
                await self._serve(conn)
        except (RedisError, OSError) as exc:
            # The shared room state is unreachable (Redis restarting): not a bug, and the
            # client should come back (resume) rather than give up on the call.
            log.warning("signaling: room state unavailable (%s)", type(exc).__name__)
            conn.close(protocol.CLOSE_TRY_AGAIN_LATER, "try again later")
        except Exception:
            log.exception("signaling socket failed")
            conn.close(1011, "internal error")
        finally:
            conn.gone()  # no-op after a close was queued; else ends the writer

    async def _next_message(self, conn: Connection) -> ClientMessage | None:
        """The next valid client message; None once the socket is done."""
        while not conn.closing:
            frame = await conn.frames.receive_frame()
            if frame is None:
                return None
            if isinstance(frame, Admitted):  # the socket's frame handler already took it in
                return frame.message
            message = self._admit(conn, frame)
            if message is not None:
                return message
        return None

    def _admit(self, conn: Connection, frame: str | bytes) -> ClientMessage | None:
        """Rate limit, size and shedding checks, then parse: None if answered or dropped."""
        conn.last_seen = now = asyncio.get_running_loop().time()
        verdict = conn.bucket.take(now)
        if verdict is Verdict.CLOSE:
            conn.close(protocol.CLOSE_RATE_LIMITED, "rate limited")
            return None
        if verdict is Verdict.REJECT:
            conn.reply(protocol.error(protocol.ERR_RATE_LIMITED, "slow down"))
            return None
        limit = self.settings.max_message_bytes
        if not isinstance(frame, str):
            if len(frame) > limit:
                self._too_large(conn)
            else:
                conn.reply(protocol.error(protocol.ERR_BAD_MESSAGE, "binary frames not accepted"))
            return None
        # Characters are at most 4 bytes: encode only when the length is ambiguous.
        if len(frame) > limit or (len(frame) * 4 > limit and len(frame.encode()) > limit):
            self._too_large(conn)
            return None
        if self._sink.full and self._shed_quality(conn, frame):
            return None
        try:
            return protocol.parse_client_message(frame)
        except ProtocolError as exc:
            conn.reply(protocol.error(exc.code, exc.message, exc.msg_id))
            return None

    def _take_frame(self, conn: Connection, frame: str | bytes) -> Admitted | None:
        """The socket's frame handler: runs a frame that arrives while the reader waits.

        A message that needs no waiting (stats, event, ping, a signal to a peer on this
        worker: nearly all traffic) is handled here, inside the socket's read callback,
        without waking the reader task; anything else goes to the reader, already
        admitted, and the reader handles it as before. The socket calls this only while
        the reader waits with nothing queued, so messages keep their order.
        """
        if conn.closing:
            return None
        try:
            message = self._admit(conn, frame)
            if message is None or self._handle_now(conn, message):
                return None
        except Exception:
            log.exception("signaling socket failed")
            conn.close(1011, "internal error")
            return None
        return Admitted(message)

    def _shed_quality(self, conn: Connection, text: str) -> bool:
        """Drop, unread, a stats/event frame of a member the full quality queue would drop.

        Anything else (another type, an id to answer, a socket not yet or no longer in
        its room) is parsed and answered as usual.
        """
        if conn.peer_id is None or not protocol.is_unacked_quality_frame(text):
            return False
        if self._member(conn) is None:
            return False
        self._sink.shed()
        return True

    def _too_large(self, conn: Connection) -> None:
        conn.reply(protocol.error(protocol.ERR_TOO_LARGE, "message over 64 KiB"))
        conn.close(protocol.CLOSE_TOO_BIG, "message too big")

    async def _await_hello(self, conn: Connection) -> protocol.Hello | None:
        try:
            async with asyncio.timeout(self.settings.handshake_timeout):
                while True:
                    message = await self._next_message(conn)
                    if message is None or isinstance(message, protocol.Hello):
                        return message
                    conn.reply(
                        protocol.error(protocol.ERR_BAD_MESSAGE, "send hello first", message.id)
                    )
        except TimeoutError:
            conn.close(protocol.CLOSE_HANDSHAKE_TIMEOUT, "handshake timeout")
            return None

    async def _join(self, conn: Connection, hello: protocol.Hello) -> bool:
        try:
            grant = verify_join_token(self._secret, hello.token)
        except InvalidJoinToken:
            conn.close(protocol.CLOSE_BAD_TOKEN, "bad or expired token")
            return False
        try:
            closed = await self._platform.is_room_closed(grant.room)
        except Exception:
            log.exception("is_room_closed failed")
            conn.close(protocol.CLOSE_TRY_AGAIN_LATER, "platform unavailable")
            return False
        if closed:
            conn.close(protocol.CLOSE_ROOM_CLOSED, "room closed")
            return False
        conn.grant = grant
        # Attach before the transition so snapshots racing with it reach our roster.
        self._attach(conn, grant.room)
        request = rooms.JoinRequest(
            peer_id=secrets.token_urlsafe(9),
            user_id=grant.user_id,
            display_name=grant.display_name,
            role=grant.role,
            worker=self.worker_id,
            conn=conn.conn_id,
            resume=hello.resume,
        )
        try:
            _, outcome = await self._transition(
                grant.room, lambda s: rooms.join(s, request, time.time(), self._limits)
            )
        except JoinRefused as exc:
            conn.close(exc.close_code, exc.reason)
            return False
        member = outcome.member
        assert member is not None
        conn.peer_id = member.peer_id
        ice = build_ice_servers(
            stun_urls=self.settings.stun_urls,
            turn_urls=self.settings.turn_urls,
            turn_secret=self.settings.turn_secret,
            turn_ttl_seconds=self.settings.turn_ttl_seconds,
            user_id=grant.user_id,
        )
        welcome = protocol.welcome(
            peer_id=member.peer_id, room=grant.room, role=member.role,
            display_name=member.display_name, state=member.state, ice_servers=ice,
            peers=list(outcome.peers), msg_id=hello.id,
        )
        conn.send_welcome(welcome, outcome.follow_up)
        return True

    async def _serve(self, conn: Connection) -> None:
        conn.frames.set_frame_handler(lambda frame: self._take_frame(conn, frame))
        while not conn.closing:
            message = await self._next_message(conn)
            if message is None:
                return
            me = self._permitted(conn, message)
            if me is None:
                conn.reply(self._refusal(conn, message))
            elif not self._run_now(conn, me, message):
                await self._handlers[type(message)](conn, message)

    def _permitted(self, conn: Connection, message: ClientMessage) -> Member | None:
        """The sender, if it may send this message now (a waiting guest may send little)."""
        me = self._member(conn)
        if me is None or (
            me.state == "waiting" and protocol.message_type(message) not in protocol.WAITING_ALLOWED
        ):
            return None
        return me

    def _refusal(self, conn: Connection, message: ClientMessage) -> dict[str, Any]:
        reason = "not in the room" if self._member(conn) is None else "waiting for a host"
        return protocol.error(protocol.ERR_FORBIDDEN, reason, message.id)

    def _handle_now(self, conn: Connection, message: ClientMessage) -> bool:
        """Handle a message that needs no waiting; False: it needs its async handler."""
        me = self._permitted(conn, message)
        return me is not None and self._run_now(conn, me, message)

    def _run_now(self, conn: Connection, me: Member, message: ClientMessage) -> bool:
        handler = self._handlers_now.get(type(message))
        if handler is not None:
            handler(conn, message)
            return True
        if isinstance(message, protocol.Signal):
            return self._signal_now(conn, me, message)
        return False

    async def _forget(self, conn: Connection) -> None:
        self._conns.pop(conn.conn_id, None)
        room, peer_id = conn.room, conn.peer_id
        try:
            if room and peer_id and not conn.departed:
                _, outcome = await self._transition(
                    room,
                    lambda s: rooms.disconnect(s, peer_id, conn.conn_id, time.time(), self._limits),
                )
                if outcome.member is not None and not outcome.member.connected:
                    self._spawn(self._expire_later(room))
        except Exception:
            log.exception("could not record the disconnect of %s", peer_id)
        finally:
            if room:
                self._detach(conn, room)
            if not self._conns:
                self._idle.set()

    async def _expire_later(self, room: str) -> None:
        # A little past the grace so the purge sees it expired.
        await asyncio.sleep(self.settings.resume_grace + 0.05)
        await self._transition(room, lambda s: rooms.expire(s, time.time(), self._limits))

    async def _sweep_liveness(self) -> None:
        timeout = self.settings.liveness_timeout
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(1.0, timeout / 4))
            now = loop.time()
            for conn in list(self._conns.values()):
                if conn.peer_id and not conn.departed and now - conn.last_seen > timeout:
                    conn.departed = True
                    self._spawn(self._time_out(conn))

    async def _time_out(self, conn: Connection) -> None:
        room, peer_id = conn.room, conn.peer_id
        assert room and peer_id
        now = time.time()
        try:
            await self._transition(
                room, lambda s: rooms.leave(s, peer_id, conn.conn_id, "timeout", now, self._limits)
            )
        finally:
            conn.close(protocol.CLOSE_GOING_AWAY, "liveness timeout")

    # Rooms, rosters and routing ------------------------------------------------------

    def _attach(self, conn: Connection, room: str) -> None:
        self._room_conns.setdefault(room, set()).add(conn.conn_id)
        self._rosters.setdefault(room, Roster())

    def _detach(self, conn: Connection, room: str) -> None:
        local = self._room_conns.get(room)
        if local is not None:
            local.discard(conn.conn_id)
            if not local:
                del self._room_conns[room]
                self._rosters.pop(room, None)

    def _member(self, conn: Connection) -> Member | None:
        roster = self._rosters.get(conn.room or "")
        member = roster.state.get(conn.peer_id or "") if roster else None
        return member if member is not None and member.conn == conn.conn_id else None

    async def _transition(
        self, room: str, transition: Transition
    ) -> tuple[RoomState, rooms.Outcome]:
        def step(state: RoomState) -> tuple[RoomState, tuple[RoomState, rooms.Outcome]]:
            new_state, outcome = transition(state)
            return new_state, (new_state, outcome)

        state, outcome = await self._store.update(room, step)
        roster = self._rosters.get(room)
        if roster is not None:
            roster.apply(state)
        if outcome.changed:
            await self._dispatch(room, state, outcome.effects)
        return state, outcome

    async def _dispatch(self, room: str, state: RoomState, effects: tuple[Effect, ...]) -> None:
        local, remote = plan_room_messages(room, state, effects, self.worker_id)
        for effect in local:
            self._apply_effect(effect)
        for worker, message in remote.items():
            await self._bus.publish(worker_channel(worker), message)

    def _apply_effect(self, effect: Effect) -> None:
        conn = self._conns.get(effect.conn)
        if conn is None:
            return
        if isinstance(effect, rooms.Send):
            conn.send(effect.message)
        else:
            conn.departed = True
            conn.close(effect.code, effect.reason)

    async def _deliver(self, room: str, member: Member, text: str, hop: int = 0) -> None:
        """Hand a frame to the socket of `member`, wherever it is."""
        if member.worker != self.worker_id:
            message = frame_message(room, member.peer_id, member.conn, text, hop)
            await self._bus.publish(worker_channel(member.worker), message)
            return
        conn = self._conns.get(member.conn)
        if conn is not None:
            conn.send_text(text)
        elif hop == 0:
            await self._reroute(room, member.peer_id, member.conn, text)

    async def _reroute(self, room: str, peer_id: str, stale_conn: str, text: str) -> None:
        # Our copy was stale (the peer resumed elsewhere): ask the store once.
        current = (await self._store.load(room)).get(peer_id)
        if current is not None and current.connected and current.conn != stale_conn:
            await self._deliver(room, current, text, hop=1)

    async def _listen(self, ready: asyncio.Event) -> None:
        async with self._bus.subscribe(worker_channel(self.worker_id)) as messages:
            ready.set()
            async for _, message in messages:
                try:
                    await self._on_bus(message)
                except Exception:
                    log.exception("bad bus message")

    async def _on_bus(self, message: dict[str, Any]) -> None:
        room = message["room"]
        if message["k"] == "room":
            roster = self._rosters.get(room)
            if roster is not None:
                roster.apply(RoomState.from_json(message["snap"]))
            for raw in message["fx"]:
                self._apply_effect(decode_effect(self.worker_id, raw))
            return
        conn = self._conns.get(message["conn"])
        if conn is not None:
            conn.send_text(message["text"])
        elif message["hop"] == 0:
            await self._reroute(room, message["peer"], message["conn"], message["text"])

    # Client messages ---------------------------------------------------------------

    def _ack(self, conn: Connection, msg_id: str | None) -> None:
        if msg_id is not None:
            conn.reply(protocol.ack(msg_id))

    def _signal_now(self, conn: Connection, me: Member, message: protocol.Signal) -> bool:
        """Relay a signal to a connected peer on this worker; False if it needs waiting."""
        target = self._rosters[conn.room or ""].state.get(message.to)
        if (
            target is None
            or target.state != "admitted"
            or target.peer_id == me.peer_id
            or (target.connected and target.worker != self.worker_id)
        ):
            return False  # the store to ask, or another worker to reach
        if target.connected:
            peer = self._conns.get(target.conn)
            if peer is None:
                return False  # our roster is stale: the peer resumed elsewhere
            peer.send_text(protocol.encode(protocol.signal(me.peer_id, message.data)))
        self._ack(conn, message.id)
        return True

    async def _on_signal(self, conn: Connection, message: protocol.Signal) -> None:
        room, me = conn.room or "", self._member(conn)
        assert me is not None
        roster = self._rosters[room]
        target = roster.state.get(message.to)
        if target is None or target.state != "admitted" or target.peer_id == me.peer_id:
            # Our roster may lag behind a join on another worker: ask the store before refusing.
            roster.apply(await self._store.load(room))
            target = roster.state.get(message.to)
            if target is None or target.state != "admitted" or target.peer_id == me.peer_id:
                conn.reply(
                    protocol.error(protocol.ERR_UNKNOWN_PEER, "no such peer", message.id)
                )
                return
        if target.connected:  # a peer in resume grace restarts ICE when it is back
            text = protocol.encode(protocol.signal(me.peer_id, message.data))
            await self._deliver(room, target, text)
        self._ack(conn, message.id)

    async def _on_chat(self, conn: Connection, message: protocol.Chat) -> None:
        room, me, grant = conn.room or "", self._member(conn), conn.grant
        assert me is not None and grant is not None
        ts = datetime.now(UTC)
        try:
            await self._platform.store_chat(
                room, grant.user_id, me.peer_id, me.display_name, message.text, ts
            )
        except Exception:
            log.exception("store_chat failed (room %s)", room)
            conn.reply(
                protocol.error(protocol.ERR_UNAVAILABLE, "chat not stored, not sent", message.id)
            )
            return
        text = protocol.encode(protocol.chat(me.peer_id, message.text, rfc3339(ts)))
        # Chat is rare and part of the record: address the authoritative member list.
        for member in (await self._store.load(room)).members:
            if member.state == "admitted" and member.connected:
                await self._deliver(room, member, text)
        self._ack(conn, message.id)

    def _quality(self, conn: Connection, kind: Any, payload: dict[str, Any]) -> None:
        grant = conn.grant
        assert grant is not None and conn.peer_id is not None
        self._sink.put(
            QualityRecord(grant.room, grant.user_id, conn.peer_id, kind, payload, datetime.now(UTC))
        )

    def _on_stats(self, conn: Connection, message: protocol.Stats) -> None:
        self._quality(conn, "sample", message.sample)
        self._ack(conn, message.id)

    def _on_event(self, conn: Connection, message: protocol.Event) -> None:
        self._quality(conn, "event", {"name": message.name, "detail": message.detail})
        self._ack(conn, message.id)

    def _on_ping(self, conn: Connection, message: protocol.Ping) -> None:
        conn.reply(protocol.pong(message.ts, message.id))

    async def _on_second_hello(self, conn: Connection, message: protocol.Hello) -> None:
        conn.reply(protocol.error(protocol.ERR_BAD_MESSAGE, "already joined", message.id))

    async def _on_leave(self, conn: Connection, message: protocol.Leave) -> None:
        room, peer_id = conn.room or "", conn.peer_id or ""
        conn.departed = True
        await self._transition(
            room, lambda s: rooms.leave(s, peer_id, conn.conn_id, "left", time.time(), self._limits)
        )
        self._ack(conn, message.id)
        conn.close(protocol.CLOSE_NORMAL, "left")

    async def _host_command(self, conn: Connection, message: Any, transition: Transition) -> bool:
        try:
            await self._transition(conn.room or "", transition)
        except RoomError as exc:
            conn.reply(protocol.error(exc.code, exc.message, message.id))
            return False
        self._ack(conn, message.id)
        return True

    async def _on_admit(self, conn: Connection, message: protocol.Admit) -> None:
        peer_id = conn.peer_id or ""
        await self._host_command(
            conn, message, lambda s: rooms.admit(s, peer_id, conn.conn_id, message.peer_id)
        )

    async def _on_deny(self, conn: Connection, message: protocol.Deny) -> None:
        peer_id = conn.peer_id or ""
        await self._host_command(
            conn, message, lambda s: rooms.deny(s, peer_id, conn.conn_id, message.peer_id)
        )

    async def _on_end(self, conn: Connection, message: protocol.End) -> None:
        peer_id, grant = conn.peer_id or "", conn.grant
        assert grant is not None
        if grant.role == "host":
            # Record the end before any socket closes (closing the host's own socket cancels
            # this handler), so whoever sees the close finds the end already recorded.
            await self._record_room_ended(grant.room, grant.user_id)
        await self._host_command(conn, message, lambda s: rooms.end(s, peer_id, conn.conn_id))

    async def _record_room_ended(self, room: str, user_id: str) -> None:
        try:
            await self._platform.room_ended(room, user_id, datetime.now(UTC))
        except Exception:
            log.exception("room_ended failed (room %s)", room)
