"""The `telehealth` command: migrate, demo, serve, worker."""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.config
import os
import sys
from collections.abc import Sequence

from telehealth.config import Settings


def _cmd_migrate(args: argparse.Namespace) -> int:
    from telehealth.migrate import upgrade

    settings = Settings()
    upgrade(settings, args.revision)
    print(f"Database migrated to {args.revision}: {_safe_url(settings.database_url)}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from telehealth.demo import load_demo, print_logins
    from telehealth.migrate import upgrade

    settings = Settings()
    upgrade(settings)
    created = asyncio.run(load_demo(settings))
    print("Demo province loaded." if created else "Demo province already present: nothing changed.")
    print_logins()
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.demo:
        rc = _cmd_demo(args)
        if rc:
            return rc
    elif args.migrate:
        _cmd_migrate(argparse.Namespace(revision="head"))
    settings = Settings()
    if args.workers > 1 and settings.is_sqlite:
        print(
            "Several workers need PostgreSQL and Redis (TELEHEALTH_DATABASE_URL, "
            "TELEHEALTH_REDIS_URL); SQLite and the in-process bus serve one.",
            file=sys.stderr,
        )
        return 2
    if args.workers > 1 and not settings.redis_url:
        print(
            "Several workers share live events through Redis: set TELEHEALTH_REDIS_URL.",
            file=sys.stderr,
        )
        return 2
    from signaling.__main__ import uvicorn_options
    from telehealth.observability import multiproc
    from telehealth.observability.logs import logging_config

    # Several workers add their metrics up through files: set up before they are spawned.
    multiproc.prepare(args.workers)
    # Small signaling JSON: compression doubled median latency here (measured); uvloop and
    # the sans-I/O websockets protocol when installed (signaling.__main__.uvicorn_options).
    options = uvicorn_options()
    if settings.log_format == "json":
        # Our middleware logs each request with its route template instead of uvicorn's
        # access line, which has the raw path and query string.
        options.update(log_config=logging_config("json", args.log_level), access_log=False)
    else:
        options["access_log"] = args.access_log
    bus = "redis" if settings.redis_url else "in-process"
    print(
        f"VTelehealth on http://{args.host}:{args.port}  "
        f"(database: {_safe_url(settings.database_url)}, bus: {bus})"
    )
    uvicorn.run(
        "telehealth.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        log_level=args.log_level,
        timeout_graceful_shutdown=args.graceful_timeout,
        **options,  # type: ignore[arg-type]
    )
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from telehealth.worker import run_worker

    asyncio.run(run_worker(Settings(), once=args.once, metrics_port=args.metrics_port))
    return 0


def _cmd_verify_signature(args: argparse.Namespace) -> int:
    from telehealth.signatures.cli import main as verify_main

    return verify_main([args.path])


def _safe_url(url: str) -> str:
    # Never print a password that may be in the database URL.
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="telehealth",
        description="VTelehealth: remote consultation and online booking platform. "
        "Settings come from TELEHEALTH_* environment variables (see docs/configuration.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    migrate = sub.add_parser(
        "migrate",
        help="apply database migrations",
        description="Apply the Alembic migrations to TELEHEALTH_DATABASE_URL.",
    )
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    migrate.set_defaults(func=_cmd_migrate)

    demo = sub.add_parser(
        "demo",
        help="load the demo province (idempotent)",
        description="Migrate, then load a demo province: hospitals, commune "
        "stations, specialists with schedules, patients and staff. Running it "
        "twice changes nothing.",
    )
    demo.set_defaults(func=_cmd_demo)

    from telehealth.audit.cli import add_parser as add_audit_parser

    add_audit_parser(sub)  # telehealth audit verify | checkpoint

    serve = sub.add_parser(
        "serve",
        help="run the platform (pages, API, signaling)",
        description="Run the whole platform with uvicorn.",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL+Redis)")
    serve.add_argument("--demo", action="store_true", help="migrate and load the demo data first")
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-* (behind nginx)"
    )
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--no-access-log", dest="access_log", action="store_false")
    serve.add_argument(
        "--graceful-timeout",
        type=float,
        default=20.0,
        help="seconds to finish requests on SIGTERM (keep below the "
        "orchestrator's grace period; see docs/deploy.md)",
    )
    serve.set_defaults(func=_cmd_serve)

    worker = sub.add_parser(
        "worker",
        help="run background jobs only (reminders, deliveries, SLA)",
        description="Run the periodic jobs without serving HTTP. Safe to run "
        "several at once on PostgreSQL.",
    )
    worker.add_argument("--once", action="store_true", help="run every job once and exit")
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve /metrics and /healthz on this port (0.0.0.0)",
    )
    worker.set_defaults(func=_cmd_worker)

    verify = sub.add_parser(
        "verify-signature",
        help="verify a signed document record offline",
        description="Check a file exported from GET /api/v1/records/{id}/"
        "signature-record (document, signature, public key), with no "
        "database. Exit 0 valid, 1 invalid, 2 unreadable.",
    )
    verify.add_argument("path", help="the exported JSON file")
    verify.set_defaults(func=_cmd_verify_signature)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from telehealth.observability.logs import logging_config

    # Read before Settings(): a bad setting must still be reported in the chosen format.
    logging.config.dictConfig(logging_config(os.environ.get("TELEHEALTH_LOG_FORMAT", "text")))
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
