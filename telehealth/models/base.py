"""Shared column helpers for the SQLModel tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlmodel import Field

from telehealth.db import UTCDateTime
from telehealth.ids import new_id


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True)


def fk(
    target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None
) -> Any:
    return Field(
        default=None if nullable else ...,
        foreign_key=target,
        nullable=nullable,
        index=index,
        ondelete=ondelete,  # type: ignore[arg-type]
    )


def utc(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_type=UTCDateTime(),  # type: ignore[call-overload]
        nullable=nullable,
        index=index,
    )


def enum_str(default: Any = ..., *, length: int = 24, index: bool = False) -> Any:
    # Enums are stored as plain strings: no native PostgreSQL enum types to migrate.
    return Field(default=default, sa_type=String(length), index=index)  # type: ignore[call-overload]


UUID = uuid.UUID
DateTime = datetime
