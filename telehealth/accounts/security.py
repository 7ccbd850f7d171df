"""Password hashing (Argon2id) and opaque session tokens (only their hash is stored)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the user does not exist keeps the timing of both answers alike.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    # Argon2 is deliberately slow (tens of ms of CPU): keep it off the event loop.
    return await run_in_threadpool(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await run_in_threadpool(verify_password, password_hash, password)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
