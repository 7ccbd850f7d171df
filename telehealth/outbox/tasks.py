"""The periodic outbox job (every few seconds in `serve` or `worker`)."""

from __future__ import annotations

from telehealth.fhir.auth import TokenCache
from telehealth.jobs import JobContext
from telehealth.outbox import repository
from telehealth.outbox.dispatcher import Dispatcher, DispatchReport, worker_name
from telehealth.outbox.fhir_handler import FHIR_BUNDLE, delivery_handlers

KINDS = (FHIR_BUNDLE,)


class OutboxJob:
    """Delivers due outbox messages; one instance per job runner, so its token cache lives on."""

    def __init__(self) -> None:
        self.tokens = TokenCache()
        self.worker = worker_name()

    async def __call__(self, ctx: JobContext) -> DispatchReport:
        # One indexed read when nothing is due: no HTTP client, no write.
        async for session in ctx.db.transaction():
            due = await repository.any_due(session, now=ctx.clock.now(), kinds=KINDS)
        if not due:
            return DispatchReport()
        async with delivery_handlers(ctx.settings, ctx.clock, self.tokens) as (handlers, waiting):
            dispatcher = Dispatcher(
                ctx.db,
                settings=ctx.settings,
                clock=ctx.clock,
                handlers=handlers,
                waiting=waiting,
                worker=self.worker,
            )
            return await dispatcher.run_until_idle()
