"""The regulator's integrity check: the whole log's verification, itself audited."""

from __future__ import annotations

from telehealth.audit.checkpoints import checkpoint_key
from telehealth.audit.service import record
from telehealth.audit.verify import verify_log
from telehealth.db import Database
from telehealth.regulator.context import RegulatorContext
from telehealth.regulator.schemas import IntegrityOut, ProblemOut


async def check(ctx: RegulatorContext, db: Database) -> IntegrityOut:
    """Verify every chain. The log is global, so every regulator sees the same verdict;
    problems name positions and entry ids only, never an entry's content."""
    key = checkpoint_key(ctx.settings.secret_key)
    # The verifier reads on a connection of its own, in its own snapshot (on SQLite a
    # reader beside the request's writer, which WAL allows).
    report, seconds = await verify_log(db.engine, key)
    record(ctx.session, ctx.actor, "audit.verify", resource_type="AuditEvent",
           detail={"intact": report.intact, "entries": report.entries,
                   "problems": report.problem_count},
           clock=ctx.clock)
    first = report.first_problem
    return IntegrityOut(
        intact=report.intact,
        entries=report.entries,
        chains=report.shards,
        checkpoints=report.checkpoints,
        problem_count=report.problem_count,
        first_problem=ProblemOut(**first.__dict__) if first else None,
        problems=[ProblemOut(**p.__dict__) for p in report.problems[:100]],
        seconds=round(seconds, 3),
        checkpoint_key_id=key.key_id,
        checkpoint_public_key=key.public_b64,
    )
