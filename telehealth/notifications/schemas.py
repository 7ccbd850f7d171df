"""Bodies of the notifications API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NotificationPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "01937a4e-9000-7000-8000-000000000009",
                    "kind": "booking.confirmed",
                    "title": "Đã đặt lịch khám lúc 09:00 24/11/2026",
                    "body": "Khám qua video với Trần Văn Minh …",
                    "link": "/appointments/01937a4e-9000-7000-8000-000000000001",
                    "created_at": "2026-11-23T01:00:00Z",
                    "read_at": None,
                    "email_status": "pending",
                }
            ]
        },
    )
    id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None
    email_status: str


class Inbox(BaseModel):
    items: list[NotificationPublic]
    unread_count: int


class MarkedRead(BaseModel):
    marked: int
