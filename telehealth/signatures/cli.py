"""`telehealth verify-signature FILE`: check a signed document offline, with no database.

The file is JSON: {"document": {...}, "signature": {key_id, algorithm, value, signed_at,
digest}, "public_key": "<base64 of the 32-byte Ed25519 public key>"}, as written by
`verification_record`. Exit status: 0 valid, 1 invalid, 2 unreadable.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telehealth.signatures.signing import Signature, verify


def verification_record(document: Any, signature: Signature, public_key: bytes) -> dict[str, Any]:
    """What to hand someone who must check a signature without access to our system."""
    return {
        "document": document,
        "signature": signature.to_dict(),
        "public_key": base64.b64encode(public_key).decode("ascii"),
    }


def verify_file(path: str | Path) -> bool:
    """True if the file's signature is valid; ValueError if the file cannot be read as one."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        signature = Signature.from_dict(record["signature"])
        public_key = base64.b64decode(record["public_key"], validate=True)
        document = record["document"]
    except (OSError, KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError(f"{path}: not a signature record ({type(exc).__name__}: {exc})") from exc
    return verify(document, signature, public_key)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="telehealth verify-signature",
        description="Verify a signed document record (document, signature, public key).",
    )
    parser.add_argument("path", help="JSON file with document, signature and public_key")
    args = parser.parse_args(argv)
    try:
        valid = verify_file(args.path)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if valid:
        record = json.loads(Path(args.path).read_text(encoding="utf-8"))["signature"]
        print(f"valid: signed with key {record['key_id']} at {record['signed_at']}")
        return 0
    print("INVALID: the signature does not match this document and key")
    return 1
