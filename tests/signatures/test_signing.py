"""Ed25519 signatures over canonical documents, and the practitioners' keys at rest."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.errors import NotFound
from telehealth.signatures import keys
from telehealth.signatures.canonical import canonical_json
from telehealth.signatures.cli import main, verification_record, verify_file
from telehealth.signatures.keys import SigningKey, key_id_for
from telehealth.signatures.signing import Signature, sign, verify, verify_canonical
from tests.fixtures import factories

SUMMARY = {
    "resourceType": "Composition",
    "status": "final",
    "title": "Tóm tắt khám từ xa",
    "subject": {
        "identifier": {"system": "http://fhir.hl7.org.vn/core/sid/cccd", "value": "001085012345"}
    },
    "section": [{"title": "Kết luận", "code": "I10", "dose_mg": 5.0}],
}


def _key() -> SigningKey:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    return SigningKey(key_id=key_id_for(public), private_key=private)


def test_a_signature_verifies_with_the_signers_public_key(clock: FrozenClock) -> None:
    key = _key()
    signature = sign(SUMMARY, key, clock=clock)
    assert signature.algorithm == "Ed25519"
    assert signature.signed_at == clock.now()
    assert signature.digest.startswith("sha256:")
    assert verify(SUMMARY, signature, key.public_key)


def test_any_single_byte_change_of_the_canonical_document_fails_verification(
    clock: FrozenClock,
) -> None:
    key = _key()
    signature = sign(SUMMARY, key, clock=clock)
    canonical = canonical_json(SUMMARY)
    assert verify_canonical(canonical, signature, key.public_key)
    for position in range(len(canonical)):
        for flip in (0x01, 0x80):
            changed = bytearray(canonical)
            changed[position] ^= flip
            assert not verify_canonical(bytes(changed), signature, key.public_key), position


def test_a_changed_value_fails_verification(clock: FrozenClock) -> None:
    key = _key()
    signature = sign(SUMMARY, key, clock=clock)
    changed = json.loads(json.dumps(SUMMARY))
    changed["section"][0]["code"] = "I11"
    assert not verify(changed, signature, key.public_key)


def test_reordered_keys_still_verify(clock: FrozenClock) -> None:
    key = _key()
    signature = sign(SUMMARY, key, clock=clock)
    reordered = dict(reversed(list(SUMMARY.items())))
    assert verify(reordered, signature, key.public_key)


def test_another_practitioners_key_does_not_verify(clock: FrozenClock) -> None:
    signature = sign(SUMMARY, _key(), clock=clock)
    assert not verify(SUMMARY, signature, _key().public_key)


def test_the_signing_time_and_key_id_are_covered(clock: FrozenClock) -> None:
    key = _key()
    signature = sign(SUMMARY, key, clock=clock)
    later = replace(signature, signed_at=signature.signed_at + timedelta(seconds=1))
    renamed = replace(signature, key_id="ed25519-someone-else")
    assert not verify(SUMMARY, later, key.public_key)
    assert not verify(SUMMARY, renamed, key.public_key)


def test_a_signature_survives_its_dict_form(clock: FrozenClock) -> None:
    key = _key()
    signature = sign(SUMMARY, key, clock=clock)
    restored = Signature.from_dict(json.loads(json.dumps(signature.to_dict())))
    assert restored == signature
    assert verify(SUMMARY, restored, key.public_key)


def test_the_cli_checks_a_record_offline(tmp_path: Path, clock: FrozenClock) -> None:
    key = _key()
    record = verification_record(SUMMARY, sign(SUMMARY, key, clock=clock), key.public_key)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    record["document"]["status"] = "amended"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    junk = tmp_path / "junk.json"
    junk.write_text("{}", encoding="utf-8")

    assert verify_file(good) is True
    assert verify_file(bad) is False
    assert (main([str(good)]), main([str(bad)]), main([str(junk)])) == (0, 1, 2)


async def _practitioner(db: Database) -> uuid.UUID:
    async for session in db.transaction():
        facility = await factories.facility(session)
        practitioner = await factories.practitioner(session, facility.id)
    return practitioner.id


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(settings)
    yield db
    await db.dispose()


async def test_a_stored_key_signs_and_its_public_half_verifies(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    practitioner_id = await _practitioner(database)
    async for session in database.transaction():
        row, _ = await keys.create_key(session, practitioner_id, settings=settings, now=clock.now())
    async for session in database.transaction():
        key = await keys.signing_key(session, practitioner_id, settings=settings)
        stored = await keys.by_key_id(session, key.key_id)
    assert stored is not None
    signature = sign(SUMMARY, key, clock=clock)
    assert signature.key_id == row.key_id
    assert verify(SUMMARY, signature, stored.public_key)


async def test_the_private_key_is_not_stored_in_the_clear(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    practitioner_id = await _practitioner(database)
    async for session in database.transaction():
        _, key = await keys.create_key(session, practitioner_id, settings=settings, now=clock.now())
    raw_private = key.private_key.private_bytes_raw()
    async for session in database.transaction():
        row = (
            await session.execute(
                text("SELECT private_key_encrypted, public_key FROM practitioner_key")
            )
        ).one()
    stored = bytes(row[0])
    assert raw_private not in stored
    assert base64.b64encode(raw_private) not in stored
    assert len(stored) == 12 + 32 + 16  # nonce, ciphertext, GCM tag
    assert bytes(row[1]) == key.public_key


async def test_a_different_secret_key_cannot_unlock_it(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    practitioner_id = await _practitioner(database)
    async for session in database.transaction():
        row, _ = await keys.create_key(session, practitioner_id, settings=settings, now=clock.now())
    other = settings.model_copy(update={"secret_key": "another-secret-" + "x" * 32})
    with pytest.raises(ValueError, match="cannot be decrypted"):
        keys.unlock(row, settings=other)


async def test_an_encrypted_key_moved_to_another_row_does_not_decrypt(settings: Settings) -> None:
    blob = keys.encrypt_private_key(b"k" * 32, key_id="ed25519-a", secret_key=settings.secret_key)
    with pytest.raises(ValueError):
        keys.decrypt_private_key(blob, key_id="ed25519-b", secret_key=settings.secret_key)


async def test_a_new_key_revokes_the_old_one_which_still_verifies(
    database: Database, settings: Settings, clock: FrozenClock
) -> None:
    practitioner_id = await _practitioner(database)
    async for session in database.transaction():
        old_row, old_key = await keys.create_key(
            session, practitioner_id, settings=settings, now=clock.now()
        )
    old_signature = sign(SUMMARY, old_key, clock=clock)
    clock.advance(timedelta(days=30))
    async for session in database.transaction():
        new_row, _ = await keys.create_key(
            session, practitioner_id, settings=settings, now=clock.now()
        )
    async for session in database.transaction():
        active = await keys.active_key(session, practitioner_id)
        old = await keys.by_key_id(session, old_row.key_id)
    assert active is not None and active.key_id == new_row.key_id
    assert old is not None and old.revoked_at == clock.now()
    assert verify(SUMMARY, old_signature, old.public_key)


async def test_a_practitioner_without_a_key_cannot_sign(
    database: Database, settings: Settings
) -> None:
    practitioner_id = await _practitioner(database)
    with pytest.raises(NotFound):
        async for session in database.transaction():
            await keys.signing_key(session, practitioner_id, settings=settings)
