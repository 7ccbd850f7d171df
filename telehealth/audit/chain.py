"""The hash chain itself, pure (no I/O): canonical text of an event, its hash, the genesis.

The canonical text is the event's fields in a fixed order, each as the text both databases
give back for it (UUIDs as 32 hex digits, times as `YYYY-MM-DD HH:MM:SS.ffffff` UTC, the
JSON detail exactly as stored), joined by U+001F with U+001E for NULL. So the verifier can
let the database build the same text in SQL and only hash it in Python (docs/audit.md).
Field values never contain either separator: `clean` replaces them before sealing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

SEPARATOR = "\x1f"  # ASCII unit separator
NULL = "\x1e"  # ASCII record separator, standing for SQL NULL
_CONTROL = str.maketrans({SEPARATOR: " ", NULL: " "})

# The order of the fields in the canonical text; the SQL in verify.py follows it.
FIELDS = (
    "shard",
    "seq",
    "id",
    "occurred_at",
    "actor_user_id",
    "actor_role",
    "actor_facility_id",
    "actor_province_code",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "outcome",
    "client_ip",
    "request_id",
    "purpose",
    "detail",
)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def genesis(shard: int) -> str:
    """The 'previous hash' of a chain's first event."""
    return hashlib.sha256(f"vtelehealth/audit/genesis/{shard}".encode()).hexdigest()


def entry_hash(previous: str, canonical_text: str) -> str:
    return hashlib.sha256(f"{previous}{SEPARATOR}{canonical_text}".encode()).hexdigest()


def clean(value: str | None) -> str | None:
    return value.translate(_CONTROL) if value is not None else None


def normalise_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The detail as it will read back: JSON types only, keys sorted at every level, so
    the stored JSON text (json.dumps, SQLAlchemy's default serialiser) is deterministic."""
    return json.loads(json.dumps(detail or {}, sort_keys=True, default=str))  # type: ignore[no-any-return]


def detail_text(detail: dict[str, Any]) -> str:
    """Exactly what SQLAlchemy writes for a JSON column (json.dumps, default options)."""
    return json.dumps(detail)


def _uuid(value: uuid.UUID | None) -> str:
    return value.hex if value is not None else NULL


def _text(value: str | None) -> str:
    return str(value) if value is not None else NULL


def time_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime(TIME_FORMAT)


def canonical_text(values: Sequence[str]) -> str:
    return SEPARATOR.join(values)


def event_values(
    *,
    shard: int,
    seq: int,
    id: uuid.UUID,
    occurred_at: datetime,
    actor_user_id: uuid.UUID | None,
    actor_role: str | None,
    actor_facility_id: uuid.UUID | None,
    actor_province_code: str | None,
    action: str,
    resource_type: str | None,
    resource_id: str | None,
    patient_id: uuid.UUID | None,
    outcome: str,
    client_ip: str | None,
    request_id: str | None,
    purpose: str | None,
    detail: dict[str, Any],
) -> list[str]:
    """The canonical field texts, in FIELDS order."""
    return [
        str(shard),
        str(seq),
        id.hex,
        time_text(occurred_at),
        _uuid(actor_user_id),
        _text(actor_role),
        _uuid(actor_facility_id),
        _text(actor_province_code),
        str(action),
        _text(resource_type),
        _text(resource_id),
        _uuid(patient_id),
        str(outcome),
        _text(client_ip),
        _text(request_id),
        _text(purpose),
        detail_text(detail),
    ]
