"""Audit events: who did what to which record, when, from where and why.

The log is tamper-evident (docs/audit.md): every event sits at a position (`shard`, `seq`)
of one of a few hash chains and carries the SHA-256 `hash` of its canonical content and of
the previous event's hash. `audit_chain_head` holds each chain's last position and hash;
`audit_checkpoint` holds signed copies of heads. Both event tables are append-only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, SmallInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from telehealth.audit.ddl import attach_append_only
from telehealth.models.base import enum_str, id_field, utc


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    # The verifier streams each chain in order through this index.
    __table_args__ = (UniqueConstraint("shard", "seq", name="uq_audit_event_chain"),)

    id: uuid.UUID = id_field()
    occurred_at: datetime = utc(index=True)
    actor_user_id: uuid.UUID | None = Field(default=None, index=True)
    actor_role: str | None = Field(default=None, max_length=24)
    actor_facility_id: uuid.UUID | None = Field(default=None, index=True)
    # The actor's province: their facility's, or a regulator's jurisdiction. Lets a
    # provincial regulator's scope include regulators' own searches without a join.
    actor_province_code: str | None = Field(default=None, max_length=3)
    action: str = Field(max_length=64, index=True)  # e.g. "appointment.create"
    resource_type: str | None = Field(default=None, max_length=40)
    resource_id: str | None = Field(default=None, max_length=64)
    patient_id: uuid.UUID | None = Field(default=None, index=True)
    outcome: str = enum_str("success", length=10)  # success | failure | denied
    client_ip: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=64)
    purpose: str | None = Field(default=None, max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Set when the transaction commits (telehealth.audit.sealing), never by callers.
    shard: int = Field(default=None, sa_column=Column(SmallInteger, nullable=False))
    seq: int = Field(default=None, sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(default=None, max_length=64, nullable=False)


class AuditChainHead(SQLModel, table=True):
    """The last position and hash of one chain; its row lock orders that chain's appends."""

    __tablename__ = "audit_chain_head"

    shard: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """A chain head signed with the platform's checkpoint key (Ed25519)."""

    __tablename__ = "audit_checkpoint"
    __table_args__ = (UniqueConstraint("shard", "seq", name="uq_audit_checkpoint_position"),)

    id: uuid.UUID = id_field()
    created_at: datetime = utc(index=True)
    shard: int = Field(sa_column=Column(SmallInteger, nullable=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    hash: str = Field(max_length=64)
    key_id: str = Field(max_length=40)
    signature: str = Field(max_length=100)  # base64url Ed25519 signature


attach_append_only(AuditEvent.__table__)  # type: ignore[attr-defined]
attach_append_only(AuditCheckpoint.__table__)  # type: ignore[attr-defined]
