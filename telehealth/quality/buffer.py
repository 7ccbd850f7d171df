"""A bounded buffer of quality records with a share per peer (pure, no I/O).

Every peer sends one sample per 5 s, so a peer with more than a handful of records
waiting is flooding. Each peer (room + peer id) gets its own queue, capped at `per_peer`;
when the whole buffer is full a newcomer still gets in while its peer holds less than an
equal share, by pushing out the oldest record of the longest queue. Batches are taken
round-robin across peers, so a backlog delays everybody equally.

Every operation is O(1) per record: queues are indexed by length, so the longest is found
without a search. A full buffer is exactly when the server is busiest: a scan over 2,000
peers per record (the first version) stalled the writer completely under load.
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
        # length -> the peers whose queue has that length; lengths change by one at a time,
        # so the longest length moves by at most one per operation.
        self._by_length: dict[int, dict[PeerKey, None]] = {}
        self._longest = 0

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
            self._append(key, item)
            return "evicted"
        self._append(key, item)
        return None

    def _moved(self, key: PeerKey, before: int, after: int) -> None:
        if before:
            peers = self._by_length[before]
            del peers[key]
            if not peers:
                del self._by_length[before]
        if after:
            self._by_length.setdefault(after, {})[key] = None
        if after > self._longest:
            self._longest = after
        elif before == self._longest and before not in self._by_length:
            self._longest = after if after else max(self._by_length, default=0)

    def _append(self, key: PeerKey, item: T) -> None:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        queue.append(item)
        self._size += 1
        self._moved(key, len(queue) - 1, len(queue))

    def _pop(self, key: PeerKey) -> T:
        queue = self._queues[key]
        item = queue.popleft()
        self._size -= 1
        self._moved(key, len(queue) + 1, len(queue))
        if not queue:
            del self._queues[key]
        return item

    def _evict_from_longest(self, exclude: PeerKey) -> bool:
        if self._longest <= 1:
            return False
        for key in self._by_length[self._longest]:
            if key != exclude:
                self._pop(key)
                return True
        return False

    def take(self, limit: int) -> list[T]:
        """Up to `limit` records, one per peer per round, oldest first within a peer."""
        batch: list[T] = []
        while self._size and len(batch) < limit:
            for key in list(self._queues):
                batch.append(self._pop(key))
                if len(batch) >= limit:
                    break
        return batch
