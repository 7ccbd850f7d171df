"""The chain verifier's core, pure (no I/O): fed rows in chain order, it reports problems.

Rows are `(shard, seq, hash, canonical_text)` sorted by shard then seq; the database
builds the canonical text (verify.py), so per row this only hashes and compares. After a
bad entry it carries on from the entry's stored hash, so one edited entry is reported once
rather than as a cascade, and every damaged place is named.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from telehealth.audit.chain import SEPARATOR, genesis

MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class Problem:
    """One place where the log is not what was written.

    kind: altered (the entry or its predecessor changed: its hash does not match), missing
    (entries before this one are gone), out_of_order (a position repeated or moved back),
    beyond_head (an entry after the chain's recorded end: appended by hand),
    truncated (the chain ends before its recorded head), head_mismatch (the last entry is
    not the one the head recorded), checkpoint_mismatch (a signed checkpoint disagrees),
    checkpoint_signature (a checkpoint's signature or key is not ours), no_head.
    """

    kind: str
    shard: int
    seq: int | None
    entry_id: str | None = None
    occurred_at: str | None = None


@dataclass
class Report:
    entries: int = 0
    shards: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def intact(self) -> bool:
        return self.problem_count == 0

    @property
    def first_problem(self) -> Problem | None:
        """The earliest damaged place in time (entries first, then chain-level findings)."""
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.occurred_at is None, p.occurred_at or "",
                                                 p.shard, p.seq or 0))


class ChainVerifier:
    def __init__(
        self,
        heads: Mapping[int, tuple[int, str]],
        checkpoints: Mapping[int, Mapping[int, str]],
    ) -> None:
        self.heads = dict(heads)
        self.checkpoints = checkpoints  # shard -> {seq: hash}, signatures already checked
        self.report = Report(checkpoints=sum(len(c) for c in checkpoints.values()))
        self._shard = -1  # no shard yet (shards count from 0)
        self._previous = ""
        self._expected = 1
        self._last_hash: str | None = None
        self._seen: set[int] = set()

    def problem(self, kind: str, shard: int, seq: int | None, text: str | None = None) -> None:
        self.report.problem_count += 1
        if len(self.report.problems) >= MAX_PROBLEMS:
            return
        entry_id = occurred_at = None
        if text is not None:
            parts = text.split(SEPARATOR, 4)
            entry_id, occurred_at = parts[2], parts[3]
        self.report.problems.append(Problem(kind, shard, seq, entry_id, occurred_at))

    def feed(self, rows: Iterable[Sequence[Any]]) -> None:
        sha256 = hashlib.sha256
        shard, previous, expected = self._shard, self._previous, self._expected
        head_seq = self.heads.get(shard, (0, ""))[0]
        marks: Mapping[int, str] = self.checkpoints.get(shard, {})
        count = 0
        for row_shard, seq, stored, text in rows:
            if row_shard != shard:
                if shard >= 0:
                    self._close(shard, expected - 1, previous)
                shard, previous, expected = row_shard, genesis(row_shard), 1
                self._seen.add(shard)
                head_seq = self.heads.get(shard, (0, ""))[0]
                marks = self.checkpoints.get(shard, {})
            if seq != expected:
                self.problem("missing" if seq > expected else "out_of_order", shard, seq, text)
            if sha256(f"{previous}{SEPARATOR}{text}".encode()).hexdigest() != stored:
                self.problem("altered", shard, seq, text)
            if seq > head_seq and seq == expected:
                self.problem("beyond_head", shard, seq, text)
            if marks and seq in marks and marks[seq] != stored:
                self.problem("checkpoint_mismatch", shard, seq, text)
            previous, expected = stored, seq + 1
            count += 1
        self.report.entries += count
        self._shard, self._previous, self._expected = shard, previous, expected

    def _close(self, shard: int, last_seq: int, last_hash: str) -> None:
        head = self.heads.get(shard)
        if head is None:
            self.problem("no_head", shard, None)
            return
        if last_seq < head[0]:
            self.problem("truncated", shard, last_seq + 1)
        elif last_seq == head[0] and last_hash != head[1]:
            self.problem("head_mismatch", shard, last_seq)
        for seq in self.checkpoints.get(shard, {}):
            if seq > last_seq:
                self.problem("truncated", shard, seq)
                break

    def finish(self) -> Report:
        if self._shard >= 0:
            self._close(self._shard, self._expected - 1, self._previous)
        for shard, (seq, _hash) in self.heads.items():
            if shard not in self._seen and seq > 0:
                self.problem("truncated", shard, 1)
        self.report.shards = len(self._seen | set(self.heads))
        return self.report
