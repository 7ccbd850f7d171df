"""`telehealth audit verify` and `telehealth audit checkpoint`, for system administrators."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict
from typing import Any

from telehealth.config import Settings


def add_parser(commands: Any) -> None:
    """Add the `audit` command to the `telehealth` parser's subcommands."""
    audit = commands.add_parser(
        "audit", help="audit log: verify its integrity, sign checkpoints",
        description="Tools for the tamper-evident audit log (docs/audit.md).")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify", help="check the hash chains and signed checkpoints",
        description="Recompute every chain and check every signed checkpoint. Exit code 0 "
        "if the log is intact, 1 if it is not (the first bad entry is printed).")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(func=_cmd_verify)
    checkpoint = actions.add_parser(
        "checkpoint", help="sign the current chain heads now",
        description="What the periodic audit.checkpoint job does, once.")
    checkpoint.set_defaults(func=_cmd_checkpoint)


async def _verify(settings: Settings) -> tuple[Any, float]:
    from telehealth.audit.checkpoints import checkpoint_key
    from telehealth.audit.verify import verify_log
    from telehealth.db import Database

    db = Database(settings)
    try:
        return await verify_log(db.engine, checkpoint_key(settings.secret_key))
    finally:
        await db.dispose()


def _cmd_verify(args: argparse.Namespace) -> int:
    report, seconds = asyncio.run(_verify(Settings()))
    first = report.first_problem
    if args.json:
        print(json.dumps({
            "intact": report.intact, "entries": report.entries, "shards": report.shards,
            "checkpoints": report.checkpoints, "problem_count": report.problem_count,
            "first_problem": asdict(first) if first else None,
            "problems": [asdict(p) for p in report.problems], "seconds": round(seconds, 3),
        }, indent=2))
    else:
        print(f"{report.entries} entries in {report.shards} chains, "
              f"{report.checkpoints} signed checkpoints, checked in {seconds:.2f} s")
        if report.intact:
            print("The audit log is intact.")
        else:
            print(f"The audit log is NOT intact: {report.problem_count} problem(s).")
            assert first is not None
            print(f"First bad entry: {first.kind} at chain {first.shard} position {first.seq}"
                  + (f", entry {first.entry_id} ({first.occurred_at} UTC)" if first.entry_id
                     else ""))
            for problem in report.problems[:20]:
                print(f"  {problem.kind:20} chain {problem.shard:3} position {problem.seq} "
                      f"{problem.entry_id or ''}")
    return 0 if report.intact else 1


def _cmd_checkpoint(args: argparse.Namespace) -> int:
    from telehealth.audit.tasks import checkpoint
    from telehealth.bus import create_bus
    from telehealth.clock import SystemClock
    from telehealth.db import Database
    from telehealth.jobs import JobContext

    async def run() -> int:
        settings = Settings()
        db = Database(settings)
        try:
            return await checkpoint(JobContext(db, settings, SystemClock(), create_bus(settings)))
        finally:
            await db.dispose()

    print(f"Signed {asyncio.run(run())} chain head(s).")
    return 0
