"""The platform's metrics, defined once per process.

Gauges that describe one worker (its sockets, its rooms) use the `livesum` mode: in
multiprocess mode the sum covers the workers that are alive. Figures that describe the
whole deployment (outbox backlog, SLA breaches) are read from the database at scrape
time instead (`collectors.py`), so they are never summed across workers.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Request latency in seconds: fine buckets below 100 ms (most API calls), coarse above.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Bus lag (publish → receive) is normally well under a millisecond on one host.
BUS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)

http_request_duration = Histogram(
    "telehealth_http_request_duration_seconds",
    "HTTP request latency by route template (not the raw path: ids would explode the series)",
    ["method", "route", "status"],
    buckets=HTTP_BUCKETS,
)
signaling_sockets = Gauge(
    "telehealth_signaling_sockets",
    "Open signaling WebSockets held by the live workers",
    multiprocess_mode="livesum",
)
signaling_rooms = Gauge(
    "telehealth_signaling_rooms",
    "Rooms with at least one socket on a worker, summed over workers (a room split "
    "across two workers counts twice)",
    multiprocess_mode="livesum",
)
bus_lag = Histogram(
    "telehealth_bus_lag_seconds",
    "Message bus publish-to-receive latency, measured by a periodic probe message",
    buckets=BUS_BUCKETS,
)
bus_probe_failures = Counter(
    "telehealth_bus_probe_failures_total",
    "Bus probes that could not be published or were not received in time",
)
job_runs = Counter(
    "telehealth_job_runs_total",
    "Periodic job runs by outcome (ok or failed)",
    ["job", "outcome"],
)
job_duration = Histogram(
    "telehealth_job_duration_seconds",
    "Periodic job run time",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)
job_last_success = Gauge(
    "telehealth_job_last_success_timestamp_seconds",
    "Unix time of the job's last successful run (alert when it is too old)",
    ["job"],
    multiprocess_mode="max",
)
