"""A bounded buffer of quality records with a share per peer (pure, no I/O).

Every peer sends one sample per 5 s, so a peer with more than a handful of records
waiting is flooding. Each peer (room + peer id) gets its own queue, capped at `per_peer`;
when the whole buffer is full a newcomer still gets in while its peer holds less than an
equal share, by pushing out the oldest record of the longest queue. Batches are taken
round-robin across peers, so a backlog delays everybody equally.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")
PeerKey = tuple[str, str]


class FairBuffer(Generic[T]):
    def __init__(self, *, capacity: int, per_peer: int) -> None:
        if capacity < 1 or per_peer < 1:
            raise ValueError("capacity and per_peer must be positive")
        self.capacity = capacity
        self.per_peer = per_peer
        self._queues: dict[PeerKey, deque[T]] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def peers(self) -> int:
        return len(self._queues)

    def offer(self, key: PeerKey, item: T) -> str | None:
        """Add `item`; None when kept, else the reason it (or another) was dropped."""
        queue = self._queues.get(key)
        held = len(queue) if queue is not None else 0
        if held >= self.per_peer:
            return "peer_cap"
        if self._size >= self.capacity:
            fair_share = self.capacity // (len(self._queues) + (queue is None))
            if held >= max(1, fair_share) or not self._evict_from_longest(key):
                return "full"
            # The newcomer is in; someone else's oldest record made room for it.
            self._append(key, queue, item)
            return "evicted"
        self._append(key, queue, item)
        return None

    def _append(self, key: PeerKey, queue: deque[T] | None, item: T) -> None:
        if queue is None:
            queue = self._queues[key] = deque()
        queue.append(item)
        self._size += 1

    def _evict_from_longest(self, exclude: PeerKey) -> bool:
        longest: PeerKey | None = None
        length = 0
        for key, queue in self._queues.items():
            if key != exclude and len(queue) > length:
                longest, length = key, len(queue)
        if longest is None or length <= 1:
            return False
        self._queues[longest].popleft()
        self._size -= 1
        return True

    def take(self, limit: int) -> list[T]:
        """Up to `limit` records, one per peer per round, oldest first within a peer."""
        batch: list[T] = []
        while self._size and len(batch) < limit:
            for key in list(self._queues):
                queue = self._queues[key]
                batch.append(queue.popleft())
                self._size -= 1
                if not queue:
                    del self._queues[key]
                if len(batch) >= limit:
                    break
        return batch
