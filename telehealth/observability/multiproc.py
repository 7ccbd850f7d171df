"""prometheus_client's multiprocess mode for `telehealth serve --workers N`.

With several uvicorn workers a scrape reaches one of them at random, so every worker
writes its samples to memory-mapped files in PROMETHEUS_MULTIPROC_DIR and whichever
worker answers `/metrics` adds them all up. The variable must be set before
prometheus_client is first imported (it picks its value class at import time), which
is why `telehealth serve` prepares the directory before uvicorn spawns the workers.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w+?_(\d+)\.db$")


def prepare(workers: int) -> Path | None:
    """Empty (or create) the directory before the workers start; None in single-process mode.

    Files left by a previous run would be summed into the new run's counters, so the
    directory is always wiped here, in the supervisor, before any worker writes to it.
    """
    configured = os.environ.get(ENV)
    if not configured and workers <= 1:
        return None
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="telehealth-metrics-"))
    if path.exists():
        for child in path.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    path.mkdir(parents=True, exist_ok=True)
    os.environ[ENV] = str(path)
    return path


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def forget_dead_workers() -> int:
    """Drop the live gauges (sockets, rooms) of workers that died: a crashed or restarted
    worker's last values would otherwise stay in the sums. Counters are kept: they are
    totals and must not go down."""
    from prometheus_client import multiprocess

    directory = os.environ.get(ENV)
    if not directory:
        return 0
    dead: set[int] = set()
    for name in os.listdir(directory):
        match = _LIVE_GAUGE_FILE.match(name)
        if match and not _alive(int(match.group(1))):
            dead.add(int(match.group(1)))
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)
    return len(dead)
