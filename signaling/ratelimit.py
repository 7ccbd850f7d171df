"""Per-socket message rate limit: a token bucket with a warning zone (pure, no I/O)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Verdict(enum.Enum):
    ACCEPT = "accept"
    REJECT = "reject"  # answer error rate_limited, do not process
    CLOSE = "close"  # sustained abuse: close 4429


@dataclass
class TokenBucket:
    """`rate` messages/s sustained with `burst` messages of credit.

    Past the credit the bucket goes into debt: each message there is refused
    (error rate_limited) but still counted, and once the debt reaches one
    second's worth of messages the socket is closed. A client at 60 msg/s is
    thus closed after about (burst + rate) / 10 s; one at 50 msg/s never is.
    """

    rate: float
    burst: int
    tokens: float = field(init=False)
    updated: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self, now: float) -> Verdict:
        if self.updated is not None:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1.0
        if self.tokens >= 0.0:
            return Verdict.ACCEPT
        if self.tokens > -self.rate:
            return Verdict.REJECT
        return Verdict.CLOSE
