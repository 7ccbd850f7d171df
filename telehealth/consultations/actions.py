"""Moving a request through its lifecycle: each action checks the state machine, writes the
change with a guarded UPDATE, records the timeline and audit, and tells the people involved."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from telehealth.consultations import live, repository
from telehealth.consultations.access import Viewer
from telehealth.consultations.context import ServiceContext
from telehealth.consultations.schemas import (
    ConcludeBody,
    FacilityOption,
    ForwardBody,
    InviteBody,
)
from telehealth.consultations.sla import due_at
from telehealth.consultations.states import (
    RULES,
    Action,
    IllegalTransition,
    NotPermitted,
    plan,
)
from telehealth.consultations.timeline import add_event
from telehealth.errors import Conflict, Forbidden, NotFound
from telehealth.i18n import translate
from telehealth.models import (
    ConsultationParticipant,
    ConsultationRequest,
    ConsultationStatus,
    Facility,
    FacilityLevel,
)
from telehealth.patients.validation import FieldErrors


def illegal(action: Action, status: ConsultationStatus, lang: str) -> Conflict:
    """A 409 whose message names the request's current state, in the caller's language."""
    return Conflict(
        "consultations.errors.illegal_transition",
        code="illegal_transition",
        details={"status": status.value, "action": action.value},
        state=translate(f"consultations.status.{status.value}", lang),
        status=status.value,
        action=translate(f"consultations.action.{action.value}", lang),
    )


def _check(ctx: ServiceContext, viewer: Viewer, action: Action) -> ConsultationStatus:
    current = ConsultationStatus(viewer.request.status)
    try:
        return plan(action, current, viewer.parties)
    except IllegalTransition:
        raise illegal(action, current, ctx.lang) from None
    except NotPermitted:
        raise Forbidden("consultations.errors.not_permitted") from None


async def _transition(
    ctx: ServiceContext,
    viewer: Viewer,
    action: Action,
    *,
    values: dict[str, Any] | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    extra_facilities: tuple[uuid.UUID, ...] = (),
) -> ConsultationRequest:
    current = ConsultationStatus(viewer.request.status)
    target = _check(ctx, viewer, action)
    if RULES[action].reason_required and not (reason and reason.strip()):
        raise FieldErrors({"reason": "consultations.errors.reason_required"}, ctx.lang)
    changes = {"status": target, "updated_at": ctx.now, **(values or {})}
    won = await repository.guarded_update(
        ctx.session, viewer.request.id, expected=current, values=changes
    )
    request = await repository.get(ctx.session, viewer.request.id)
    if request is None:
        raise NotFound("consultations.errors.not_found")
    if not won:
        # Someone else changed the request between our read and our write.
        raise illegal(action, ConsultationStatus(request.status), ctx.lang)
    add_event(ctx.session, request, action.value, actor=ctx.actor, at=ctx.now, clock=ctx.clock,
              from_status=current, to_status=target, reason=reason, detail=detail)
    live.publish_change(ctx.session, ctx.bus, request, action.value,
                        extra_facilities=extra_facilities)
    return request


async def _facility_name(ctx: ServiceContext, facility_id: uuid.UUID) -> str:
    facility = await ctx.session.get(Facility, facility_id)
    return facility.name if facility else ""


async def _tell(
    ctx: ServiceContext, request: ConsultationRequest, kind: str, user_ids: list[uuid.UUID],
    **params: Any,
) -> None:
    await live.notify_users(ctx.session, ctx.bus, user_ids, request=request, kind=kind,
                            now=ctx.now, skip=ctx.actor.user_id, **params)


async def _tell_specialists(
    ctx: ServiceContext, request: ConsultationRequest, user_ids: list[uuid.UUID]
) -> None:
    # An emergency gets its own, louder title: the notification text is translated per
    # recipient, so the urgency is part of the key rather than a pre-translated parameter.
    kind = "submitted_emergency" if request.urgency == "emergency" else "submitted"
    await _tell(ctx, request, kind, user_ids,
                facility=await _facility_name(ctx, request.requesting_facility_id))


async def _consulting_side(ctx: ServiceContext, request: ConsultationRequest) -> list[uuid.UUID]:
    people = [request.accepted_by_user_id] if request.accepted_by_user_id else []
    return people + await repository.participant_user_ids(ctx.session, request.id)


async def submit(ctx: ServiceContext, viewer: Viewer) -> ConsultationRequest:
    facility = await ctx.session.get(Facility, viewer.request.consulting_facility_id)
    assert facility is not None
    request = await _transition(ctx, viewer, Action.submit, values={
        "submitted_at": ctx.now,
        "queued_at": ctx.now,
        "due_at": due_at(facility, viewer.request.urgency, ctx.now),
        "escalated_at": None,
    })
    specialists = await repository.specialist_user_ids(
        ctx.session, request.consulting_facility_id, request.specialty_id
    )
    await _tell_specialists(ctx, request, specialists)
    return request


async def cancel(ctx: ServiceContext, viewer: Viewer, reason: str) -> ConsultationRequest:
    request = await _transition(ctx, viewer, Action.cancel, reason=reason,
                                values={"ended_at": ctx.now})
    await _tell(ctx, request, "cancelled", await _consulting_side(ctx, request))
    return request


async def accept(ctx: ServiceContext, viewer: Viewer, note: str | None) -> ConsultationRequest:
    request = await _transition(ctx, viewer, Action.accept, reason=note, values={
        "accepted_at": ctx.now, "accepted_by_user_id": ctx.actor.user_id,
    })
    await _tell(ctx, request, "accepted", [request.requested_by_user_id],
                facility=await _facility_name(ctx, request.consulting_facility_id))
    return request


async def schedule(
    ctx: ServiceContext, viewer: Viewer, when: datetime, note: str | None
) -> ConsultationRequest:
    if when <= ctx.now:
        raise FieldErrors({"scheduled_for": "consultations.errors.time_in_past"}, ctx.lang)
    values: dict[str, Any] = {"scheduled_for": when}
    if viewer.request.accepted_at is None:
        values |= {"accepted_at": ctx.now, "accepted_by_user_id": ctx.actor.user_id}
    request = await _transition(ctx, viewer, Action.schedule, reason=note, values=values,
                                detail={"scheduled_for": when.isoformat()})
    await _tell(ctx, request, "scheduled",
                [request.requested_by_user_id, *await _consulting_side(ctx, request)],
                facility=await _facility_name(ctx, request.consulting_facility_id))
    return request


async def decline(ctx: ServiceContext, viewer: Viewer, reason: str) -> ConsultationRequest:
    request = await _transition(ctx, viewer, Action.decline, reason=reason,
                                values={"ended_at": ctx.now})
    await _tell(ctx, request, "declined", [request.requested_by_user_id],
                facility=await _facility_name(ctx, request.consulting_facility_id))
    return request


async def forward_targets(
    ctx: ServiceContext, request: ConsultationRequest
) -> list[FacilityOption]:
    """The referral network of the current consulting facility, or any higher level, that has
    a specialist of the request's specialty (never the requesting or the current facility)."""
    current = await ctx.session.get(Facility, request.consulting_facility_id)
    assert current is not None
    ranks = {f.id: rank for f, rank in await repository.referral_targets(ctx.session, current.id)}
    staffed = await repository.facilities_with_specialists(ctx.session, request.specialty_id)
    options = [
        FacilityOption(id=f.id, code=f.code, name=f.name, level=f.level, rank=ranks.get(f.id))
        for f in await repository.active_facilities(ctx.session)
        if f.id not in (current.id, request.requesting_facility_id)
        and f.id in staffed
        and (f.id in ranks or FacilityLevel(f.level).rank > FacilityLevel(current.level).rank)
    ]
    return sorted(options, key=lambda o: (o.rank is None, o.rank or 0, o.name))


async def forward(ctx: ServiceContext, viewer: Viewer, body: ForwardBody) -> ConsultationRequest:
    _check(ctx, viewer, Action.forward)
    allowed = {o.id for o in await forward_targets(ctx, viewer.request)}
    if body.facility_id not in allowed:
        raise FieldErrors({"facility_id": "consultations.errors.forward_target"}, ctx.lang)
    target = await ctx.session.get(Facility, body.facility_id)
    assert target is not None
    previous = viewer.request.consulting_facility_id
    request = await _transition(
        ctx, viewer, Action.forward, reason=body.reason,
        values={
            "consulting_facility_id": target.id,
            "queued_at": ctx.now,
            "due_at": due_at(target, viewer.request.urgency, ctx.now),
            "escalated_at": None,
        },
        detail={"from_facility_id": str(previous), "to_facility_id": str(target.id)},
        extra_facilities=(previous,),
    )
    await _tell(ctx, request, "forwarded", [request.requested_by_user_id], facility=target.name)
    specialists = await repository.specialist_user_ids(ctx.session, target.id, request.specialty_id)
    await _tell_specialists(ctx, request, specialists)
    return request


async def invite(ctx: ServiceContext, viewer: Viewer, body: InviteBody) -> ConsultationRequest:
    """A case conference (hội chẩn): invited practitioners gain access to the request."""
    _check(ctx, viewer, Action.invite)
    allowed = {
        p.id: (p, u) for p, u, _ in await repository.colleagues(
            ctx.session, facility_id=viewer.request.consulting_facility_id,
            specialty_id=viewer.request.specialty_id, name_query="",
            exclude_user_id=ctx.actor.user_id, limit=10_000,
        )
    }
    wanted = list(dict.fromkeys(body.practitioner_ids))
    if any(pid not in allowed for pid in wanted):
        raise FieldErrors({"practitioner_ids": "consultations.errors.invite_target"}, ctx.lang)
    already = {p.practitioner_id for p, _, _ in
               await repository.participants(ctx.session, viewer.request.id)}
    new = [pid for pid in wanted if pid not in already]
    if not new:
        raise Conflict("consultations.errors.already_invited", code="already_invited")
    for pid in new:
        ctx.session.add(ConsultationParticipant(
            consultation_id=viewer.request.id, practitioner_id=pid,
            invited_by_user_id=ctx.actor.user_id, invited_at=ctx.now, note=body.note,
        ))
    request = await _transition(ctx, viewer, Action.invite, reason=body.note or None,
                                detail={"practitioner_ids": [str(p) for p in new]})
    await _tell(ctx, request, "invited", [allowed[pid][0].user_id for pid in new],
                name=ctx.actor.user.full_name)
    return request


async def start_session(ctx: ServiceContext, viewer: Viewer) -> ConsultationRequest:
    request = await _transition(ctx, viewer, Action.start_session,
                                values={"session_started_at": ctx.now})
    await _tell(ctx, request, "session_started",
                [request.requested_by_user_id, *await _consulting_side(ctx, request)])
    return request


async def conclude(ctx: ServiceContext, viewer: Viewer, body: ConcludeBody) -> ConsultationRequest:
    """The written conclusion: one answer per question, a summary and recommendations."""
    _check(ctx, viewer, Action.conclude)
    questions = await repository.questions(ctx.session, viewer.request.id)
    answers = {a.question_id: a.answer.strip() for a in body.answers}
    if set(answers) != {q.id for q in questions} or not all(answers.values()):
        raise FieldErrors({"answers": "consultations.errors.answer_every_question"}, ctx.lang)
    for question in questions:
        question.answer = answers[question.id]
        question.answered_by_user_id = ctx.actor.user_id
        question.answered_at = ctx.now
        ctx.session.add(question)
    request = await _transition(ctx, viewer, Action.conclude, values={
        "concluded_at": ctx.now,
        "concluded_by_user_id": ctx.actor.user_id,
        "conclusion_summary": body.summary.strip(),
        "recommendations": body.recommendations.strip(),
    })
    await _tell(ctx, request, "concluded", [request.requested_by_user_id],
                facility=await _facility_name(ctx, request.consulting_facility_id))
    return request


async def close(
    ctx: ServiceContext, viewer: Viewer, advice_applied: str, patient_outcome: str
) -> ConsultationRequest:
    """The requesting facility reports back how the advice was applied and how it went."""
    request = await _transition(ctx, viewer, Action.close, values={
        "advice_applied": advice_applied.strip(),
        "patient_outcome": patient_outcome.strip(),
        "closed_at": ctx.now,
    })
    people = [request.concluded_by_user_id] if request.concluded_by_user_id else []
    await _tell(ctx, request, "closed", people + await _consulting_side(ctx, request),
                facility=await _facility_name(ctx, request.requesting_facility_id))
    return request

