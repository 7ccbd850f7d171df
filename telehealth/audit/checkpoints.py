"""Signed checkpoints: every so often each chain's head is signed with the platform's key.

Anyone able to write to the database can recompute a hash chain after changing an entry;
they cannot sign. A checkpoint fixes (shard, seq, hash) under an Ed25519 signature, so a
rewrite of anything up to the last checkpoint is caught. The key pair is derived with
HKDF-SHA256 from TELEHEALTH_SECRET_KEY: no new secret to distribute or lose, and the public
key (shown on the regulator's integrity page) lets the Ministry check checkpoints without
the secret, which an HMAC would not allow. See docs/audit.md for the trade-offs.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.audit.chain import SEPARATOR, time_text
from telehealth.ids import new_id
from telehealth.models.audit import AuditChainHead, AuditCheckpoint

_SALT = b"vtelehealth/audit-checkpoint"
_INFO = b"ed25519/v1"
_CONTEXT = "vtelehealth-audit-checkpoint-v1"


@dataclass(frozen=True)
class CheckpointKey:
    private: Ed25519PrivateKey
    public: Ed25519PublicKey
    key_id: str
    public_b64: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@lru_cache(maxsize=4)
def checkpoint_key(secret_key: str) -> CheckpointKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret_key.encode()
    )
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return CheckpointKey(
        private=private,
        public=public,
        key_id="audit-" + _b64(hashlib.sha256(raw).digest()[:15]),
        public_b64=_b64(raw),
    )


def signed_message(shard: int, seq: int, chain_hash: str, created_at: datetime) -> bytes:
    return SEPARATOR.join(
        (_CONTEXT, str(shard), str(seq), chain_hash, time_text(created_at))
    ).encode()


def sign(key: CheckpointKey, shard: int, seq: int, chain_hash: str, created_at: datetime) -> str:
    return _b64(key.private.sign(signed_message(shard, seq, chain_hash, created_at)))


def signature_valid(key: CheckpointKey, checkpoint: AuditCheckpoint) -> bool:
    if checkpoint.key_id != key.key_id:
        return False
    try:
        encoded = checkpoint.signature
        signature = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        message = signed_message(
            checkpoint.shard, checkpoint.seq, checkpoint.hash, checkpoint.created_at
        )
        key.public.verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


async def take_checkpoints(session: AsyncSession, key: CheckpointKey, now: datetime) -> int:
    """Sign every chain head that moved since its last checkpoint; returns how many.

    Reads heads without locking them (committed values), so appenders never wait for it;
    two workers checkpointing the same head at once insert one row (ON CONFLICT DO NOTHING).
    """
    last = (
        select(col(AuditCheckpoint.shard), func.max(col(AuditCheckpoint.seq)).label("seq"))
        .group_by(col(AuditCheckpoint.shard))
        .subquery()
    )
    stmt = (
        select(col(AuditChainHead.shard), col(AuditChainHead.seq), col(AuditChainHead.hash))
        .outerjoin(last, last.c.shard == col(AuditChainHead.shard))
        .where(last.c.seq.is_(None) | (col(AuditChainHead.seq) > last.c.seq),
               col(AuditChainHead.seq) > 0)
    )
    heads = (await session.execute(stmt)).all()
    if not heads:
        return 0
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [
        {
            "id": new_id(),
            "created_at": now,
            "shard": shard,
            "seq": seq,
            "hash": chain_hash,
            "key_id": key.key_id,
            "signature": sign(key, shard, seq, chain_hash, now),
        }
        for shard, seq, chain_hash in heads
    ]
    table = AuditCheckpoint.__table__  # type: ignore[attr-defined]
    await session.execute(
        insert_(table).values(rows).on_conflict_do_nothing(index_elements=["shard", "seq"])
    )
    return len(rows)
