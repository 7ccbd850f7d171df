"""Signing a document and verifying it: Ed25519 over a canonical header that pins the document.

What is signed is not the document itself but the canonical JSON (RFC 8785) of
`{"algorithm", "digest", "key_id", "signed_at", "version"}`, where `digest` is
`sha256:<hex>` of the document's canonical JSON. So the key id and the signing time are
covered by the signature too (neither can be swapped afterwards), and a verifier needs only
the document, the signature record and the public key: no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from telehealth.clock import Clock, SystemClock
from telehealth.signatures.canonical import canonical_json
from telehealth.signatures.keys import ALGORITHM, SigningKey

VERSION = 1
_system_clock = SystemClock()


@dataclass(frozen=True)
class Signature:
    key_id: str
    algorithm: str
    value: str  # base64 of the 64-byte Ed25519 signature
    signed_at: datetime
    digest: str  # "sha256:<hex>" of the document's canonical JSON

    def to_dict(self) -> dict[str, str]:
        return {
            "key_id": self.key_id,
            "algorithm": self.algorithm,
            "value": self.value,
            "signed_at": _timestamp(self.signed_at),
            "digest": self.digest,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signature:
        return cls(
            key_id=str(data["key_id"]),
            algorithm=str(data["algorithm"]),
            value=str(data["value"]),
            signed_at=datetime.fromisoformat(str(data["signed_at"])),
            digest=str(data["digest"]),
        )


def _timestamp(at: datetime) -> str:
    # One spelling of an instant, so the signed header is reproducible from the record.
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def document_digest(canonical: bytes) -> str:
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def signing_input(*, key_id: str, algorithm: str, signed_at: datetime, digest: str) -> bytes:
    return canonical_json(
        {
            "algorithm": algorithm,
            "digest": digest,
            "key_id": key_id,
            "signed_at": _timestamp(signed_at),
            "version": VERSION,
        }
    )


def sign(document: Any, key: SigningKey, *, clock: Clock | None = None) -> Signature:
    """Sign a JSON document (dict) with a practitioner's key."""
    signed_at = (clock or _system_clock).now().astimezone(UTC)
    digest = document_digest(canonical_json(document))
    message = signing_input(
        key_id=key.key_id, algorithm=ALGORITHM, signed_at=signed_at, digest=digest
    )
    value = base64.b64encode(key.private_key.sign(message)).decode("ascii")
    return Signature(
        key_id=key.key_id, algorithm=ALGORITHM, value=value, signed_at=signed_at, digest=digest
    )


def verify(document: Any, signature: Signature, public_key: bytes | Ed25519PublicKey) -> bool:
    """True only if `signature` was made by `public_key`'s owner over exactly this document."""
    try:
        canonical = canonical_json(document)
    except (TypeError, ValueError):
        return False
    return verify_canonical(canonical, signature, public_key)


def verify_canonical(
    canonical: bytes, signature: Signature, public_key: bytes | Ed25519PublicKey
) -> bool:
    """Verify against the canonical bytes themselves (what an archive stores)."""
    if signature.algorithm != ALGORITHM:
        return False
    if not hmac.compare_digest(document_digest(canonical), signature.digest):
        return False
    try:
        key = (
            public_key
            if isinstance(public_key, Ed25519PublicKey)
            else (Ed25519PublicKey.from_public_bytes(public_key))
        )
        raw = base64.b64decode(signature.value, validate=True)
        message = signing_input(
            key_id=signature.key_id,
            algorithm=signature.algorithm,
            signed_at=signature.signed_at,
            digest=signature.digest,
        )
        key.verify(raw, message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
