"""Request and response bodies of the live sessions API (public and signaling-internal)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ROOM_EXAMPLE = "appointment:01932c1e-7a4b-7c3e-9a51-2f0d6e8b4c11"


class JoinTokenRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"room": ROOM_EXAMPLE}]})
    room: str = Field(
        min_length=3, max_length=80,
        description="`appointment:<id>` (a video appointment) or `consultation:<id>`",
    )


class JoinTokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "token": "eyJ2IjoxLCJ1aWQiOiIw….q3Jm…",
                    "expires_at": "2026-11-23T01:05:00Z",
                    "ws_url": "/ws/signaling/v1?room_key=q3JmX0tqLWx6",
                    "ice_servers": [
                        {"urls": ["stun:turn.vtelehealth.vn:3478"]},
                        {
                            "urls": ["turn:turn.vtelehealth.vn:3478?transport=udp"],
                            "username": "1795402800:0193…",
                            "credential": "dG9wLXNlY3JldA==",
                        },
                    ],
                    "role": "guest",
                    "room": ROOM_EXAMPLE,
                    "display_name": "Nguyễn Văn An",
                }
            ]
        }
    )
    token: str = Field(description="Send it in the first message: `{type: hello, token}`")
    expires_at: datetime = Field(description="Join before this; fetch a new token to resume")
    ws_url: str = Field(
        description=(
            "The signaling WebSocket, relative to this origin or absolute; open it as given "
            "(its `room_key` parameter is opaque and routes the room's peers to one worker)"
        )
    )
    ice_servers: list[dict[str, Any]] = Field(description="RTCIceServer entries (TURN: timed)")
    role: Literal["host", "participant", "guest"]
    room: str
    display_name: str


class ChatLinePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    peer_id: str
    user_id: uuid.UUID
    display_name: str
    text: str
    sent_at: datetime


class ChatHistory(BaseModel):
    room: str
    lines: list[ChatLinePublic]


# Internal API used by a standalone signaling service (signaling.platform.HttpPlatform) -------


class InternalChat(BaseModel):
    room: str = Field(max_length=80)
    user_id: uuid.UUID
    peer_id: str = Field(max_length=64)
    display_name: str = Field(max_length=160)
    text: str = Field(min_length=1, max_length=2000)
    ts: datetime


class InternalQuality(BaseModel):
    room: str = Field(max_length=80)
    user_id: uuid.UUID
    peer_id: str = Field(max_length=64)
    kind: Literal["sample", "event"]
    payload: dict[str, Any]
    ts: datetime


class InternalQualityBatch(BaseModel):
    records: list[InternalQuality] = Field(max_length=2000)


class InternalRoomEnded(BaseModel):
    room: str = Field(max_length=80)
    user_id: uuid.UUID
    ts: datetime


class RoomStatus(BaseModel):
    room: str
    closed: bool
