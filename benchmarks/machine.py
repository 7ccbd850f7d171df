"""What the machine was doing during a measurement: load, busy share and hypervisor steal.

On a virtual machine whose host is oversubscribed, the hypervisor runs other guests on
our cores: the guest sees that time as "steal", and every process runs slower while it
lasts. Throughput and latency figures measured then are not comparable with quiet runs,
so each benchmark prints this line next to its figures.

    with MachineMeter() as machine:
        ...  # the measured run
    print(machine.summary())
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import TracebackType


def _cpu_times() -> list[int]:
    """The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()
    return [int(value) for value in fields[1:9]]


@dataclass
class MachineMeter:
    """Busy and steal shares of all cores between `__enter__` and `__exit__`."""

    before: list[int] = field(default_factory=list)
    after: list[int] = field(default_factory=list)
    load_before: float = 0.0
    load_after: float = 0.0

    def __enter__(self) -> MachineMeter:
        self.before = _cpu_times()
        self.load_before = os.getloadavg()[0]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.after = _cpu_times()
        self.load_after = os.getloadavg()[0]

    def _delta(self) -> list[int]:
        return [b - a for a, b in zip(self.before, self.after, strict=True)]

    @property
    def steal_share(self) -> float:
        """Share of the cores' time the hypervisor gave to other guests (0 to 1)."""
        delta = self._delta()
        total = sum(delta)
        return delta[7] / total if total else 0.0

    @property
    def busy_share(self) -> float:
        """Share of the cores' time spent running anything (user, system, interrupts)."""
        delta = self._delta()
        total = sum(delta)
        idle = delta[3] + delta[4] + delta[7]
        return (total - idle) / total if total else 0.0

    def summary(self) -> str:
        return (
            f"machine: {os.cpu_count()} cores, busy {100 * self.busy_share:.0f} %, "
            f"hypervisor steal {100 * self.steal_share:.1f} %, "
            f"load average {self.load_before:.1f} -> {self.load_after:.1f}"
        )
