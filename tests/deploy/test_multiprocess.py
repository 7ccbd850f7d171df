"""Several uvicorn workers: each writes its samples to files, any of them reports the sum."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.deploy.manifests import ROOT

# Run in fresh interpreters: prometheus_client picks multiprocess mode at import time.
WORKER = """
import sys
from telehealth.observability.metrics import http_request_duration, signaling_sockets
for _ in range(int(sys.argv[1])):
    http_request_duration.labels("GET", "/healthz", "200").observe(0.01)
signaling_sockets.set(int(sys.argv[2]))
"""
SCRAPE = """
from telehealth.observability.endpoint import process_metrics
print(process_metrics().decode())
"""


def _run(code: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def _value(text: str, prefix: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(prefix)]
    return float(line.rsplit(" ", 1)[1])


def test_workers_metrics_are_added_up(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    _run(WORKER, env, "3", "5")
    _run(WORKER, env, "4", "7")
    text = _run(SCRAPE, env)
    assert _value(text, 'telehealth_http_request_duration_seconds_count{method="GET",'
                        'route="/healthz",status="200"}') == 7
    # Both workers have exited: their live gauges are dropped, their counters stay.
    assert "telehealth_signaling_sockets " not in text or \
        _value(text, "telehealth_signaling_sockets ") == 0
