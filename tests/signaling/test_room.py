"""Room state machine transitions (pure)."""

from __future__ import annotations

import pytest

from signaling import room as r
from signaling.room import Close, JoinRefused, RoomError, RoomState, Send

LIMITS = r.Limits(resume_grace=30, max_peers=3)


def join(state: RoomState, peer: str, role: str = "participant", *, user: str | None = None,
         worker: str = "w1", resume: str | None = None, now: float = 0.0,
         ) -> tuple[RoomState, r.Outcome]:
    request = r.JoinRequest(peer_id=peer, user_id=user or f"user-{peer}", display_name=peer,
                            role=role, worker=worker, conn=f"c-{peer}-{now}", resume=resume)
    return r.join(state, request, now, LIMITS)


def sends(outcome: r.Outcome) -> list[tuple[str, dict[str, object]]]:
    return [(e.conn, e.message) for e in outcome.effects if isinstance(e, Send)]


def closes(outcome: r.Outcome) -> list[tuple[str, int]]:
    return [(e.conn, e.code) for e in outcome.effects if isinstance(e, Close)]


def test_participant_is_admitted_and_others_told() -> None:
    s, _ = join(RoomState(), "a")
    s, out = join(s, "b")
    assert out.member is not None and out.member.state == "admitted"
    assert [p["peer_id"] for p in out.peers] == ["a"]
    assert sends(out) == [("c-a-0.0", {"type": "peer-joined", "peer": out.member.peer()})]
    assert s.version == 2


def test_guest_waits_and_only_hosts_are_told() -> None:
    s, _ = join(RoomState(), "h", "host")
    s, _ = join(s, "n")
    s, out = join(s, "g", "guest")
    assert out.member is not None and out.member.state == "waiting"
    assert out.peers == ()
    assert sends(out) == [("c-h-0.0", {"type": "waiting", "peer": out.member.peer()})]


def test_host_joining_gets_waiting_notices_after_welcome() -> None:
    s, _ = join(RoomState(), "g", "guest")
    s, out = join(s, "h", "host")
    assert out.peers == ()
    assert out.follow_up == ({"type": "waiting", "peer": s.get("g").peer()},)  # type: ignore[union-attr]


def test_admit_moves_guest_in_and_tells_admitted_peers() -> None:
    s, _ = join(RoomState(), "h", "host")
    s, _ = join(s, "g", "guest")
    s, out = r.admit(s, "h", "c-h-0.0", "g")
    assert s.get("g").state == "admitted"  # type: ignore[union-attr]
    assert sends(out) == [
        ("c-g-0.0", {"type": "admitted", "peers": [s.get("h").peer()]}),  # type: ignore[union-attr]
        ("c-h-0.0", {"type": "peer-joined", "peer": s.get("g").peer()}),  # type: ignore[union-attr]
    ]


def test_admit_and_deny_need_a_host_and_a_waiting_target() -> None:
    s, _ = join(RoomState(), "h", "host")
    s, _ = join(s, "n")
    s, _ = join(s, "g", "guest")
    with pytest.raises(RoomError) as info:
        r.admit(s, "n", "c-n-0.0", "g")
    assert info.value.code == "forbidden"
    with pytest.raises(RoomError) as info:
        r.deny(s, "h", "c-h-0.0", "n")
    assert info.value.code == "unknown_peer"
    with pytest.raises(RoomError):
        r.admit(s, "h", "stale-conn", "g")


def test_deny_removes_guest_closes_4403_and_tells_hosts() -> None:
    s, _ = join(RoomState(), "h", "host")
    s, _ = join(s, "g", "guest")
    s, out = r.deny(s, "h", "c-h-0.0", "g")
    assert s.get("g") is None
    assert closes(out) == [("c-g-0.0", 4403)]
    assert sends(out) == [("c-h-0.0", {"type": "peer-left", "peer_id": "g", "reason": "removed"})]


def test_room_full_refuses_with_4403() -> None:
    s, _ = join(RoomState(), "a")
    s, _ = join(s, "b")
    s, _ = join(s, "c")
    with pytest.raises(JoinRefused) as info:
        join(s, "d")
    assert info.value.close_code == 4403


def test_same_user_fresh_join_replaces_old_peer() -> None:
    s, _ = join(RoomState(), "a")
    s, _ = join(s, "b1", user="bob")
    s, out = join(s, "b2", user="bob", now=1)
    assert s.get("b1") is None and s.get("b2") is not None
    assert closes(out) == [("c-b1-0.0", 4409)]
    assert sends(out)[0] == ("c-a-0.0", {"type": "peer-left", "peer_id": "b1", "reason": "removed"})
    assert sends(out)[1][1]["type"] == "peer-joined"


def test_disconnect_then_resume_keeps_peer_id_and_tells_reconnected() -> None:
    s, _ = join(RoomState(), "a")
    s, _ = join(s, "b", user="bob")
    s, out = r.disconnect(s, "b", "c-b-0.0", 5, LIMITS)
    assert s.get("b").disconnected_at == 5 and out.effects == ()  # type: ignore[union-attr]
    s, out = join(s, "fresh", user="bob", resume="b", worker="w2", now=10)
    assert out.resumed and out.member is not None and out.member.peer_id == "b"
    assert out.member.worker == "w2"
    assert sends(out) == [("c-a-0.0", {"type": "peer-reconnected", "peer_id": "b"})]
    assert closes(out) == []


def test_resume_while_connected_closes_old_socket_4409() -> None:
    s, _ = join(RoomState(), "b", user="bob")
    s, out = join(s, "x", user="bob", resume="b", now=1)
    assert closes(out) == [("c-b-0.0", 4409)]


def test_resume_after_grace_is_a_fresh_join_and_reports_timeout() -> None:
    s, _ = join(RoomState(), "a")
    s, _ = join(s, "b", user="bob")
    s, _ = r.disconnect(s, "b", "c-b-0.0", 0, LIMITS)
    s, out = join(s, "b2", user="bob", resume="b", now=31)
    assert not out.resumed and s.get("b") is None
    assert ("c-a-0.0", {"type": "peer-left", "peer_id": "b", "reason": "timeout"}) in sends(out)


def test_expire_purges_only_after_grace() -> None:
    s, _ = join(RoomState(), "a")
    s, _ = join(s, "b")
    s, _ = r.disconnect(s, "b", "c-b-0.0", 0, LIMITS)
    same, out = r.expire(s, 29, LIMITS)
    assert same is s and not out.changed
    s, out = r.expire(s, 30, LIMITS)
    assert s.get("b") is None and out.changed


def test_leave_with_stale_conn_changes_nothing() -> None:
    s, _ = join(RoomState(), "a")
    same, out = r.leave(s, "a", "other-conn", "left", 0, LIMITS)
    assert same is s and not out.changed


def test_leave_and_timeout_reasons() -> None:
    s, _ = join(RoomState(), "a")
    s, _ = join(s, "b")
    s, out = r.leave(s, "b", "c-b-0.0", "timeout", 0, LIMITS)
    assert sends(out) == [("c-a-0.0", {"type": "peer-left", "peer_id": "b", "reason": "timeout"})]


def test_waiting_peer_leaving_is_reported_to_hosts_only() -> None:
    s, _ = join(RoomState(), "h", "host")
    s, _ = join(s, "n")
    s, _ = join(s, "g", "guest")
    s, out = r.leave(s, "g", "c-g-0.0", "left", 0, LIMITS)
    assert [conn for conn, _ in sends(out)] == ["c-h-0.0"]


def test_end_by_host_tells_each_peer_about_the_others_then_closes_all() -> None:
    s, _ = join(RoomState(), "h", "host")
    s, _ = join(s, "n")
    s, _ = join(s, "g", "guest")
    s, out = r.end(s, "h", "c-h-0.0")
    assert s.ended and s.members == ()
    assert sorted(closes(out)) == [("c-g-0.0", 1000), ("c-h-0.0", 1000), ("c-n-0.0", 1000)]
    told = sends(out)
    assert ("c-n-0.0", {"type": "peer-left", "peer_id": "h", "reason": "ended"}) in told
    assert ("c-h-0.0", {"type": "peer-left", "peer_id": "g", "reason": "ended"}) in told
    assert not [m for conn, m in told if conn == "c-g-0.0"]  # the waiting guest saw no one
    with pytest.raises(JoinRefused) as info:
        join(s, "late")
    assert info.value.close_code == 4404


def test_end_by_participant_is_forbidden() -> None:
    s, _ = join(RoomState(), "n")
    with pytest.raises(RoomError):
        r.end(s, "n", "c-n-0.0")


def test_state_json_round_trip_and_roster_ignores_older_versions() -> None:
    s, _ = join(RoomState(), "a")
    s, _ = r.disconnect(s, "a", "c-a-0.0", 3, LIMITS)
    assert RoomState.from_json(s.to_json()) == s
    roster = r.Roster()
    roster.apply(s)
    roster.apply(RoomState(version=0))
    assert roster.state == s
