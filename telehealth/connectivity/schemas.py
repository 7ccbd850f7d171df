"""Request and response bodies of the connection-check API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from telehealth.models import ConnectionFailure, ConnectionVerdict

# A browser offer with audio, video and a data channel is 4-8 KB; leave room for many
# candidates but refuse anything that could only be abuse.
MAX_SDP_CHARS = 32_000

_OFFER_EXAMPLE = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n…"
)


class OfferRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"type": "offer", "sdp": _OFFER_EXAMPLE}]}
    )
    type: Literal["offer"] = "offer"
    sdp: str = Field(
        min_length=10,
        max_length=MAX_SDP_CHARS,
        description="The complete offer, with every ICE candidate (gathering finished): "
        "the server does not trickle. It must contain the probe's data channels.",
    )


class OfferResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "check_id": "01972f7e-8d2a-7c41-9f0e-3b5a1c2d4e5f",
                    "type": "answer",
                    "sdp": "v=0\r\no=- 3954321 0 IN IP4 0.0.0.0\r\n…",
                    "expires_in_seconds": 30.0,
                    "protocol": 1,
                }
            ]
        }
    )
    check_id: uuid.UUID
    type: Literal["answer"] = "answer"
    sdp: str = Field(description="The server's answer, with all of its candidates.")
    expires_in_seconds: float = Field(description="The server closes the peer after this.")
    protocol: int = Field(description="Version of the probe protocol (docs/connection-check.md).")


class MediaFigures(BaseModel):
    """What the browser saw of its own media coming back (all optional)."""

    audio_sent: bool = False
    video_sent: bool = False
    echo_audio_packets: int | None = Field(default=None, ge=0)
    echo_video_frames: int | None = Field(default=None, ge=0)
    media_rtt_ms: float | None = Field(default=None, ge=0, le=60_000)
    media_loss_percent: float | None = Field(default=None, ge=0, le=100)


class ResultRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pings_sent": 100,
                    "pings_received": 99,
                    "rtt_ms": 84.5,
                    "rtt_p95_ms": 130.2,
                    "upload_kbps": 2480.0,
                    "download_kbps": 3120.5,
                    "media": {"audio_sent": True, "video_sent": True,
                              "echo_audio_packets": 410, "echo_video_frames": 92},
                },
                {"pings_sent": 0, "pings_received": 0, "failure": "ice_failed"},
            ]
        }
    )
    pings_sent: int = Field(ge=0, le=10_000)
    pings_received: int = Field(ge=0, le=10_000)
    rtt_ms: float | None = Field(default=None, ge=0, le=60_000, description="Median ping RTT.")
    rtt_p95_ms: float | None = Field(default=None, ge=0, le=60_000)
    upload_kbps: float | None = Field(default=None, ge=0, le=10_000_000)
    download_kbps: float | None = Field(default=None, ge=0, le=10_000_000)
    media: MediaFigures | None = None
    failure: ConnectionFailure | None = Field(
        default=None, description="Set when the check could not finish; the verdict is then "
        "`not_usable`."
    )

    @model_validator(mode="after")
    def _received_at_most_sent(self) -> ResultRequest:
        if self.pings_received > self.pings_sent:
            raise ValueError("pings_received cannot exceed pings_sent")
        return self


class CheckPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    user_id: uuid.UUID
    facility_id: uuid.UUID | None
    started_at: datetime
    finished_at: datetime | None
    user_agent: str | None
    with_audio: bool
    with_video: bool
    rtt_ms: float | None
    loss_percent: float | None
    upload_kbps: float | None
    download_kbps: float | None
    bitrate_kbps: float | None = Field(description="The lower of upload and download.")
    verdict: ConnectionVerdict | None = Field(description="None while the check is running "
                                              "or when it never reported back.")
    failure: ConnectionFailure | None
    client_figures: dict[str, Any]
    server_figures: dict[str, Any]
