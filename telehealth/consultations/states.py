"""The consultation request's lifecycle as a pure state machine: states, actions, who may act.

No I/O here: the service asks `plan(action, status, parties)` for the next state and then
applies it with a guarded UPDATE, so the rules are testable on their own, table by table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from telehealth.models.consultation import ConsultationStatus as S


class Party(StrEnum):
    """How the caller relates to one request (computed per request, never stored)."""

    requester = "requester"  # staff of the requesting facility (tuyến dưới)
    consultant = "consultant"  # clinician of the consulting facility with the specialty
    invitee = "invitee"  # a colleague invited to the case conference (hội chẩn)
    observer = "observer"  # the consulting facility's administrators: read only
    system = "system"  # periodic jobs (expiry)


class Action(StrEnum):
    submit = "submit"
    cancel = "cancel"
    accept = "accept"
    schedule = "schedule"
    decline = "decline"
    forward = "forward"
    invite = "invite"
    start_session = "start_session"
    conclude = "conclude"
    close = "close"
    expire = "expire"


# Waiting for a facility to accept: the SLA clock runs in these states.
AWAITING_ACCEPTANCE = frozenset({S.submitted, S.forwarded})
# Accepted by a facility and not finished: the case is being worked on.
ACTIVE = frozenset({S.accepted, S.scheduled, S.in_session})
TERMINAL = frozenset({S.declined, S.closed, S.cancelled, S.expired})
# States in which the live room `consultation:<id>` may be joined.
ROOM_OPEN = ACTIVE


@dataclass(frozen=True)
class Rule:
    sources: frozenset[S]
    # None: the action does not change the state (invite adds people, reschedule moves time).
    target: S | None
    parties: frozenset[Party]
    reason_required: bool = False


def _rule(
    sources: Iterable[S],
    target: S | None,
    *parties: Party,
    reason_required: bool = False,
) -> Rule:
    return Rule(frozenset(sources), target, frozenset(parties), reason_required)


RULES: dict[Action, Rule] = {
    Action.submit: _rule({S.draft}, S.submitted, Party.requester),
    # The requester may withdraw until the consultation has actually started.
    Action.cancel: _rule(
        {S.draft, *AWAITING_ACCEPTANCE, S.accepted, S.scheduled},
        S.cancelled,
        Party.requester,
        reason_required=True,
    ),
    Action.accept: _rule(AWAITING_ACCEPTANCE, S.accepted, Party.consultant),
    # Accepting at a proposed time; a scheduled request may be moved to another time.
    Action.schedule: _rule(
        {*AWAITING_ACCEPTANCE, S.accepted, S.scheduled}, S.scheduled, Party.consultant
    ),
    Action.decline: _rule(AWAITING_ACCEPTANCE, S.declined, Party.consultant, reason_required=True),
    Action.forward: _rule(
        AWAITING_ACCEPTANCE, S.forwarded, Party.consultant, reason_required=True
    ),
    Action.invite: _rule({*AWAITING_ACCEPTANCE, *ACTIVE}, None, Party.consultant),
    Action.start_session: _rule(
        {S.accepted, S.scheduled}, S.in_session, Party.consultant, Party.invitee
    ),
    # Written advice needs no video call (store-and-forward), so an accepted or scheduled
    # request may be concluded directly as well as after a live session.
    Action.conclude: _rule(ACTIVE, S.concluded, Party.consultant, Party.invitee),
    Action.close: _rule({S.concluded}, S.closed, Party.requester),
    Action.expire: _rule(AWAITING_ACCEPTANCE, S.expired, Party.system),
}


class IllegalTransition(Exception):
    """The action is not possible from the request's current state (answered 409)."""

    def __init__(self, action: Action, status: S) -> None:
        self.action = action
        self.status = status
        super().__init__(f"cannot {action.value} a request in state {status.value}")


class NotPermitted(Exception):
    """The caller's relation to the request does not allow the action (answered 403)."""

    def __init__(self, action: Action, parties: frozenset[Party]) -> None:
        self.action = action
        self.parties = parties
        super().__init__(f"{sorted(p.value for p in parties)} may not {action.value}")


def may_perform(action: Action, parties: Iterable[Party]) -> bool:
    return bool(RULES[action].parties & set(parties))


def plan(action: Action, status: S, parties: Iterable[Party]) -> S:
    """The state after `action`, or IllegalTransition / NotPermitted.

    The state is checked before the party: a specialist pressing "accept" on a request that
    was just cancelled learns the request's state, which is what they need to know.
    """
    rule = RULES[action]
    if status not in rule.sources:
        raise IllegalTransition(action, status)
    chosen = frozenset(parties)
    if not rule.parties & chosen:
        raise NotPermitted(action, chosen)
    return rule.target if rule.target is not None else status


def available_actions(status: S, parties: Iterable[Party]) -> list[Action]:
    """The actions the caller may take now, in a stable order (for buttons and the API)."""
    chosen = frozenset(parties)
    return [
        action
        for action, rule in RULES.items()
        if status in rule.sources and rule.parties & chosen and action is not Action.expire
    ]


def transitions() -> list[tuple[S, Action, S]]:
    """Every legal (from, action, to), for the docs and the table-driven tests."""
    out: list[tuple[S, Action, S]] = []
    for action, rule in RULES.items():
        for source in sorted(rule.sources):
            out.append((source, action, rule.target or source))
    return out
