"""Counting periodic job runs: `with observe_job(name): await job.run(ctx)`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from telehealth.observability.metrics import job_duration, job_last_success, job_runs


@contextmanager
def observe_job(name: str) -> Iterator[None]:
    """Record the run's duration and outcome; the job's own exception passes through."""
    started = time.perf_counter()
    try:
        yield
    except BaseException as exc:
        # A cancelled run (shutdown) is neither a success nor a failure of the job.
        if isinstance(exc, Exception):
            job_runs.labels(name, "failed").inc()
        raise
    else:
        job_runs.labels(name, "ok").inc()
        job_last_success.labels(name).set(time.time())
    finally:
        job_duration.labels(name).observe(time.perf_counter() - started)
