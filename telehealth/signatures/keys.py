"""Practitioners' Ed25519 key pairs: created, found, revoked, and the private half kept encrypted.

The private key is stored AES-256-GCM-encrypted under a key derived (HKDF-SHA256) from
settings.secret_key, with the key id as associated data, so a database dump alone gives
no one the power to sign, and an encrypted key copied onto another row fails to decrypt.
Changing TELEHEALTH_SECRET_KEY makes stored private keys unusable: practitioners then get
new key pairs; their old public keys stay to verify what was signed before.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.config import Settings
from telehealth.errors import NotFound
from telehealth.models import PractitionerKey

ALGORITHM = "Ed25519"
_HKDF_SALT = b"vtelehealth/practitioner-key"
_HKDF_INFO = b"aes-256-gcm/v1"


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_for(public_key: bytes) -> str:
    """A name derived from the public key itself (160 bits of its SHA-256, base64url)."""
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(public_key).digest()[:20]).decode()
    return "ed25519-" + thumbprint.rstrip("=")


def _cipher(secret_key: str) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    return AESGCM(hkdf.derive(secret_key.encode("utf-8")))


def encrypt_private_key(raw: bytes, *, key_id: str, secret_key: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + _cipher(secret_key).encrypt(nonce, raw, key_id.encode())


def decrypt_private_key(blob: bytes, *, key_id: str, secret_key: str) -> bytes:
    try:
        return _cipher(secret_key).decrypt(blob[:12], blob[12:], key_id.encode())
    except InvalidTag as exc:
        raise ValueError(
            f"private key {key_id} cannot be decrypted (secret key changed, or row tampered)"
        ) from exc


async def create_key(
    session: AsyncSession, practitioner_id: uuid.UUID, *, settings: Settings, now: datetime
) -> tuple[PractitionerKey, SigningKey]:
    """A new key pair for the practitioner; their previous active key is revoked (rotation)."""
    private = Ed25519PrivateKey.generate()
    signing = SigningKey(key_id="", private_key=private)
    public = signing.public_key
    key_id = key_id_for(public)
    raw_private = private.private_bytes_raw()
    await session.execute(
        update(PractitionerKey)
        .where(
            col(PractitionerKey.practitioner_id) == practitioner_id,
            col(PractitionerKey.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    row = PractitionerKey(
        key_id=key_id,
        practitioner_id=practitioner_id,
        algorithm=ALGORITHM,
        public_key=public,
        private_key_encrypted=encrypt_private_key(
            raw_private, key_id=key_id, secret_key=settings.secret_key
        ),
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row, SigningKey(key_id=key_id, private_key=private)


async def active_key(session: AsyncSession, practitioner_id: uuid.UUID) -> PractitionerKey | None:
    found = await session.execute(
        select(PractitionerKey).where(
            col(PractitionerKey.practitioner_id) == practitioner_id,
            col(PractitionerKey.revoked_at).is_(None),
        )
    )
    return found.scalar_one_or_none()


async def by_key_id(session: AsyncSession, key_id: str) -> PractitionerKey | None:
    """Any key, revoked or not: old signatures stay verifiable after rotation."""
    found = await session.execute(
        select(PractitionerKey).where(col(PractitionerKey.key_id) == key_id)
    )
    return found.scalar_one_or_none()


def unlock(row: PractitionerKey, *, settings: Settings) -> SigningKey:
    raw = decrypt_private_key(
        row.private_key_encrypted, key_id=row.key_id, secret_key=settings.secret_key
    )
    return SigningKey(key_id=row.key_id, private_key=Ed25519PrivateKey.from_private_bytes(raw))


async def signing_key(
    session: AsyncSession, practitioner_id: uuid.UUID, *, settings: Settings
) -> SigningKey:
    row = await active_key(session, practitioner_id)
    if row is None:
        raise NotFound("signatures.errors.no_key")
    return unlock(row, settings=settings)


async def revoke_key(session: AsyncSession, key_id: str, *, now: datetime) -> None:
    row = await by_key_id(session, key_id)
    if row is None:
        raise NotFound("signatures.errors.no_key")
    if row.revoked_at is None:
        row.revoked_at = now
        await session.flush()
