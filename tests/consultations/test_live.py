"""Live updates: queue changes and notifications reach subscribed bus clients after commit."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from telehealth.accounts.context import Actor
from telehealth.consultations.rooms import resolve_consultation_room
from telehealth.db import Database
from telehealth.models import Role, User
from tests.consultations.conftest import Api, Network
from tests.fixtures.http import seeding


async def _next(messages: Any) -> tuple[str, dict[str, Any]]:
    return await asyncio.wait_for(anext(messages), timeout=5)  # type: ignore[no-any-return]


async def test_submitting_announces_the_request_on_the_queue_channel(
    app: FastAPI, api: Api, net: Network
) -> None:
    await api.headers("requester")  # log in before listening
    channel = f"facility:{net.district.id}:consultations"
    async with app.state.bus.subscribe(channel) as messages:
        created = await api.open()
        got_channel, message = await _next(messages)
    assert got_channel == channel
    assert message == {"type": "consultation.changed", "consultation_id": created["id"],
                       "status": "submitted", "urgency": "urgent", "action": "submit"}


async def test_accepting_notifies_the_requester_live(
    app: FastAPI, api: Api, net: Network
) -> None:
    cid = (await api.open())["id"]
    await api.headers("cardio")
    async with app.state.bus.subscribe(f"user:{net.user_ids['requester']}") as messages:
        assert (await api.act("cardio", cid, "accept")).status_code == 200
        _, message = await _next(messages)
    assert message["type"] == "notification"
    assert message["kind"] == "consultation.accepted"
    assert message["link"] == f"/consultations/{cid}"
    assert message["title"] == "Yêu cầu hội chẩn đã được tiếp nhận"


async def test_forwarding_tells_both_queues(app: FastAPI, api: Api, net: Network) -> None:
    cid = (await api.open())["id"]
    await api.headers("cardio")
    old = f"facility:{net.district.id}:consultations"
    new = f"facility:{net.province.id}:consultations"
    async with app.state.bus.subscribe(old, new) as messages:
        await api.act("cardio", cid, "forward",
                      {"facility_id": str(net.province.id), "reason": "Chuyển tuyến tỉnh"})
        channels = {(await _next(messages))[0], (await _next(messages))[0]}
    assert channels == {old, new}


async def test_nothing_is_published_for_a_refused_change(
    app: FastAPI, api: Api, net: Network
) -> None:
    cid = (await api.open())["id"]
    await api.headers("cardio")
    async with app.state.bus.subscribe(f"facility:{net.district.id}:consultations") as messages:
        refused = await api.act("cardio", cid, "decline", {"reason": ""})
        assert refused.status_code == 422
        accepted = await api.act("cardio", cid, "accept")
        assert accepted.status_code == 200
        _, message = await _next(messages)
    assert message["action"] == "accept"  # the refused decline published nothing


async def _actor(db: Database, user_id: object) -> Actor:
    async with seeding(db) as s:
        user = await s.get(User, user_id)
        assert user is not None
    return Actor.of(user, role=Role(user.role), facility_id=user.facility_id, province_code="08")


async def test_room_grants_follow_the_state_and_the_side(
    api: Api, net: Network, db: Database
) -> None:
    cid = (await api.open())["id"]
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    async def grant(who: str) -> tuple[str, str] | None:
        actor = await _actor(db, net.user_ids[who])
        async with seeding(db) as s:
            found = await resolve_consultation_room(s, actor, uuid.UUID(cid), now)
        return (found.room, found.role) if found else None

    assert await grant("cardio") is None  # not accepted yet: no room
    await api.act("cardio", cid, "accept")
    await api.act("cardio", cid, "invite",
                  {"practitioner_ids": [str(net.practitioners["prov_cardio"])]})
    room = f"consultation:{cid}"
    assert await grant("cardio") == (room, "host")
    assert await grant("prov_cardio") == (room, "host")
    assert await grant("requester") == (room, "participant")
    assert await grant("outsider") is None
    assert await grant("derma") is None
    assert (await api.conclude("cardio", cid)).status_code == 201
    assert await grant("cardio") is None  # concluded: the room is closed
