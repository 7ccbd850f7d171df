"""When to try a failed delivery again: exponential backoff with full jitter, capped.

Full jitter (a uniform draw between zero and the exponential ceiling) spreads the retries
of many messages that failed together, e.g. during an outage of the health record
platform, so they do not all hit it again in the same second when it comes back.
"""

from __future__ import annotations

import random


def ceiling(attempts: int, *, base: float, cap: float) -> float:
    """The longest wait after `attempts` failed attempts: base·2^(attempts−1), at most cap."""
    # min() before the power would overflow for large attempt counts.
    exponent = min(max(attempts - 1, 0), 62)
    return min(cap, base * (2**exponent))


def retry_delay(
    attempts: int,
    *,
    base: float,
    cap: float,
    rng: random.Random,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait; never less than the receiver's own Retry-After."""
    delay = rng.uniform(0, ceiling(attempts, base=base, cap=cap))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
