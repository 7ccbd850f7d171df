"""/metrics: protected, labelled by route template, and fed by jobs and the database."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from telehealth.app import create_app
from telehealth.clock import FrozenClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.jobs import JobContext, JobRunner, PeriodicJob
from telehealth.models import OutboxMessage, OutboxStatus
from tests.deploy.conftest import METRICS_TOKEN
from tests.deploy.manifests import DEPLOY
from tests.fixtures.http import seeding

AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def _samples(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


async def test_metrics_need_the_bearer_token(client: httpx.AsyncClient) -> None:
    missing = await client.get("/metrics")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert (await client.get("/metrics", headers=AUTH)).status_code == 200


@pytest.mark.parametrize(("environment", "status"), [("development", 200), ("production", 403)])
async def test_without_a_token_metrics_are_open_only_in_development(
    settings: Settings, clock: FrozenClock, environment: str, status: int
) -> None:
    secret = "s" * 40 if environment == "production" else settings.secret_key
    changed = settings.model_copy(update={"metrics_token": None, "environment": environment,
                                          "secret_key": secret})
    app = create_app(changed, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/metrics")).status_code == status


async def test_latency_is_labelled_by_route_template(client: httpx.AsyncClient) -> None:
    before = await _samples(client)  # one registry per process: count what this test adds
    for _ in range(3):
        await client.get("/api/v1/consultations/0193aaaa-0000-7000-8000-000000000001")
    await client.get("/no/such/page/12345")
    samples = await _samples(client)
    route = "/api/v1/consultations/{consultation_id}"
    key = ("telehealth_http_request_duration_seconds_count",
           (("method", "GET"), ("route", route), ("status", "401")))
    assert samples[key] - before.get(key, 0) == 3
    routes = {dict(labels).get("route") for (name, labels) in samples
              if name == "telehealth_http_request_duration_seconds_count"}
    assert "<unmatched>" in routes
    assert not any(r and "0193aaaa" in r for r in routes)


async def test_job_runs_and_failures_are_counted(app: FastAPI, client: httpx.AsyncClient) -> None:
    async def fine(ctx: JobContext) -> None:
        return None

    async def broken(ctx: JobContext) -> None:
        raise RuntimeError("boom")

    before = await _samples(client)
    ctx = JobContext(app.state.db, app.state.settings, app.state.clock, app.state.bus)
    runner = JobRunner(ctx, [PeriodicJob("test.fine", 3600, fine),
                             PeriodicJob("test.broken", 3600, broken)])
    runner.start()
    await asyncio.sleep(0.2)
    await runner.stop()
    after = await _samples(client)

    def delta(job: str, outcome: str) -> float:
        key = ("telehealth_job_runs_total", (("job", job), ("outcome", outcome)))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("test.fine", "ok") == 1
    assert delta("test.broken", "failed") == 1
    assert delta("test.broken", "ok") == 0


async def test_outbox_backlog_and_dead_letters_come_from_the_database(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with seeding(db) as session:
        for i, (status, attempts, due) in enumerate([
            (OutboxStatus.pending, 0, now - timedelta(minutes=10)),
            (OutboxStatus.pending, 3, now - timedelta(minutes=1)),
            (OutboxStatus.pending, 0, now + timedelta(hours=1)),
            (OutboxStatus.dead, 12, now),
            (OutboxStatus.delivered, 1, now),
        ]):
            session.add(OutboxMessage(kind="fhir.bundle", key=f"test:{i}", payload={},
                                      status=status, attempts=attempts, next_attempt_at=due,
                                      created_at=now))
    samples = await _samples(client)
    assert samples[("telehealth_database_up", ())] == 1
    assert samples[("telehealth_outbox_backlog", ())] == 2
    assert samples[("telehealth_outbox_failing", ())] == 1
    assert samples[("telehealth_outbox_messages", (("status", "dead"),))] == 1
    assert samples[("telehealth_outbox_messages", (("status", "pending"),))] == 3
    assert samples[("telehealth_outbox_oldest_due_age_seconds", ())] == 600


async def test_dashboard_asks_only_for_metrics_we_export(client: httpx.AsyncClient) -> None:
    text = (await client.get("/metrics", headers=AUTH)).text
    # Families without samples yet (no job has run) still announce themselves in # TYPE.
    families = set(re.findall(r"^# TYPE (\S+) (\S+)", text, re.MULTILINE))
    exported = {f"{name}{suffix}" for name, kind in families
                for suffix in {"histogram": ("_bucket", "_count", "_sum"),
                               "counter": ("", "_total")}.get(kind, ("",))}
    dashboard = json.loads((DEPLOY / "grafana/vtelehealth.json").read_text())
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"telehealth_[a-z0-9_]+", target["expr"])
    }
    assert asked, "the dashboard has no queries"
    assert asked <= exported, f"not exported: {sorted(asked - exported)}"
