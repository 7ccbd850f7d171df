"""The pure state machine: every legal transition, every illegal one, and who may act."""

from __future__ import annotations

import itertools

import pytest

from telehealth.consultations.states import (
    RULES,
    TERMINAL,
    Action,
    IllegalTransition,
    NotPermitted,
    Party,
    available_actions,
    plan,
    transitions,
)
from telehealth.models import ConsultationStatus as S

# The lifecycle as the issue states it, written out independently of RULES so that a
# change to the rules has to be made twice (here on purpose).
LEGAL: dict[tuple[S, Action], S] = {
    (S.draft, Action.submit): S.submitted,
    (S.draft, Action.cancel): S.cancelled,
    (S.submitted, Action.cancel): S.cancelled,
    (S.forwarded, Action.cancel): S.cancelled,
    (S.accepted, Action.cancel): S.cancelled,
    (S.scheduled, Action.cancel): S.cancelled,
    (S.submitted, Action.accept): S.accepted,
    (S.forwarded, Action.accept): S.accepted,
    (S.submitted, Action.schedule): S.scheduled,
    (S.forwarded, Action.schedule): S.scheduled,
    (S.accepted, Action.schedule): S.scheduled,
    (S.scheduled, Action.schedule): S.scheduled,
    (S.submitted, Action.decline): S.declined,
    (S.forwarded, Action.decline): S.declined,
    (S.submitted, Action.forward): S.forwarded,
    (S.forwarded, Action.forward): S.forwarded,
    (S.submitted, Action.invite): S.submitted,
    (S.forwarded, Action.invite): S.forwarded,
    (S.accepted, Action.invite): S.accepted,
    (S.scheduled, Action.invite): S.scheduled,
    (S.in_session, Action.invite): S.in_session,
    (S.accepted, Action.start_session): S.in_session,
    (S.scheduled, Action.start_session): S.in_session,
    (S.accepted, Action.conclude): S.concluded,
    (S.scheduled, Action.conclude): S.concluded,
    (S.in_session, Action.conclude): S.concluded,
    (S.concluded, Action.close): S.closed,
    (S.submitted, Action.expire): S.expired,
    (S.forwarded, Action.expire): S.expired,
}
ALL_PARTIES = frozenset(Party)
ILLEGAL = [
    (status, action)
    for status, action in itertools.product(S, Action)
    if (status, action) not in LEGAL
]


def test_the_rules_are_exactly_the_documented_lifecycle() -> None:
    assert {(src, act): dst for src, act, dst in transitions()} == LEGAL


@pytest.mark.parametrize(("status", "action"), sorted(LEGAL), ids=lambda v: str(v))
def test_legal_transition_reaches_its_state(status: S, action: Action) -> None:
    assert plan(action, status, ALL_PARTIES) == LEGAL[(status, action)]


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=lambda v: str(v))
def test_illegal_transition_is_refused_naming_the_state(status: S, action: Action) -> None:
    with pytest.raises(IllegalTransition) as caught:
        plan(action, status, ALL_PARTIES)
    assert caught.value.status is status
    assert status.value in str(caught.value)


WHO: dict[Action, frozenset[Party]] = {
    Action.submit: frozenset({Party.requester}),
    Action.cancel: frozenset({Party.requester}),
    Action.accept: frozenset({Party.consultant}),
    Action.schedule: frozenset({Party.consultant}),
    Action.decline: frozenset({Party.consultant}),
    Action.forward: frozenset({Party.consultant}),
    Action.invite: frozenset({Party.consultant}),
    Action.start_session: frozenset({Party.consultant, Party.invitee}),
    Action.conclude: frozenset({Party.consultant, Party.invitee}),
    Action.close: frozenset({Party.requester}),
    Action.expire: frozenset({Party.system}),
}


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_only_the_right_side_may_act(action: Action) -> None:
    source = next(iter(RULES[action].sources))
    for party in Party:
        if party in WHO[action]:
            plan(action, source, {party})
        else:
            with pytest.raises(NotPermitted):
                plan(action, source, {party})


def test_the_state_is_checked_before_the_party() -> None:
    # A requester pressing "accept" on a cancelled request learns it is cancelled.
    with pytest.raises(IllegalTransition):
        plan(Action.accept, S.cancelled, {Party.requester})


def test_observers_may_do_nothing() -> None:
    for status in S:
        assert available_actions(status, {Party.observer}) == []


@pytest.mark.parametrize("status", sorted(TERMINAL), ids=str)
def test_finished_requests_offer_no_actions(status: S) -> None:
    assert available_actions(status, ALL_PARTIES) == []


def test_available_actions_follow_the_side() -> None:
    assert available_actions(S.submitted, {Party.consultant}) == [
        Action.accept, Action.schedule, Action.decline, Action.forward, Action.invite,
    ]
    assert available_actions(S.submitted, {Party.requester}) == [Action.cancel]
    assert available_actions(S.concluded, {Party.requester}) == [Action.close]
    # Expiry belongs to the periodic job, never to a button.
    assert Action.expire not in available_actions(S.submitted, ALL_PARTIES)


def test_reasons_are_required_for_refusals_and_cancellations() -> None:
    needing = {a for a, rule in RULES.items() if rule.reason_required}
    assert needing == {Action.cancel, Action.decline, Action.forward}
