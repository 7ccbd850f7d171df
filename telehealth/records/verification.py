"""Checking a signature: of a stored document, of a document someone holds, and the
exportable record (document + signature + public key) the offline CLI reads."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from telehealth.models import ClinicalDocument, Practitioner, PractitionerKey, User
from telehealth.records.schemas import Verification, VerifyBody
from telehealth.signatures import keys
from telehealth.signatures.cli import verification_record
from telehealth.signatures.signing import Signature, verify


async def _signer(session: AsyncSession, key: PractitionerKey) -> str | None:
    practitioner = await session.get(Practitioner, key.practitioner_id)
    user = await session.get(User, practitioner.user_id) if practitioner else None
    if practitioner is None or user is None:
        return None
    return f"{practitioner.title} {user.full_name}".strip()


async def verify_stored(session: AsyncSession, document: ClinicalDocument) -> Verification:
    """Recheck a stored version against its signer's public key (revoked keys included:
    a rotation does not unmake what was signed before it)."""
    signature = Signature.from_dict(document.signature)
    key = await keys.by_key_id(session, signature.key_id)
    valid = key is not None and verify(document.document, signature, key.public_key)
    return Verification(
        valid=valid,
        key_id=signature.key_id,
        signed_at=signature.signed_at,
        digest=signature.digest,
        signer=await _signer(session, key) if key else None,
        key_revoked=(key.revoked_at is not None) if key else None,
        document_id=document.id,
    )


async def verify_submitted(session: AsyncSession, body: VerifyBody) -> Verification:
    """Check a document someone holds. With no public key in the body, the key is the one
    our registry has for the signature's key id; an unknown key id is simply invalid."""
    try:
        signature = Signature.from_dict(body.signature)
    except (KeyError, TypeError, ValueError):
        return Verification(valid=False, key_id=None, signed_at=None, digest=None)
    key = await keys.by_key_id(session, signature.key_id)
    public_key: bytes | None = key.public_key if key else None
    if body.public_key is not None:
        try:
            public_key = base64.b64decode(body.public_key, validate=True)
        except (binascii.Error, ValueError):
            public_key = None
    valid = public_key is not None and verify(body.document, signature, public_key)
    return Verification(
        valid=valid,
        key_id=signature.key_id,
        signed_at=signature.signed_at,
        digest=signature.digest,
        # Name the signer only when the key that verified is the one we know as theirs.
        signer=await _signer(session, key) if key and valid and public_key == key.public_key
        else None,
        key_revoked=(key.revoked_at is not None) if key else None,
    )


async def export_record(session: AsyncSession, document: ClinicalDocument) -> dict[str, Any]:
    """The file `telehealth verify-signature FILE` reads: document, signature, public key."""
    signature = Signature.from_dict(document.signature)
    key = await keys.by_key_id(session, signature.key_id)
    assert key is not None  # a signed row's key is never deleted (practitioner_key rows stay)
    return verification_record(document.document, signature, key.public_key)
