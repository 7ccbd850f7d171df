"""Periodic audit job: sign the chain heads that moved (see checkpoints.py)."""

from __future__ import annotations

from telehealth.audit.checkpoints import checkpoint_key, take_checkpoints
from telehealth.jobs import JobContext


async def checkpoint(ctx: JobContext) -> int:
    """Sign every chain head that moved since its last checkpoint."""
    key = checkpoint_key(ctx.settings.secret_key)
    signed = 0
    async for session in ctx.db.transaction():
        signed = await take_checkpoints(session, key, ctx.clock.now())
    return signed
