"""Practitioners' electronic signatures on clinical documents (Ed25519 over canonical JSON)."""
