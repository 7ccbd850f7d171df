"""Consultation minutes (biên bản hội chẩn): the form prefilled from the request and its live
session, and the co-consultants' opinions."""

from __future__ import annotations

import uuid

from telehealth.audit.service import record
from telehealth.consultations import repository as consultation_repository
from telehealth.consultations.context import ServiceContext
from telehealth.errors import Forbidden
from telehealth.i18n import translate
from telehealth.models import ConsultationOpinion
from telehealth.records import repository
from telehealth.records.access import Subject
from telehealth.records.schemas import Answer, MinutesContent, Participant

# Live-room roles as the minutes name them: hosts are the consulting side.
ROOM_ROLES = {"host": "consultant", "participant": "requester", "guest": "member"}


def case_summary(ctx: ServiceContext, subject: Subject) -> str:
    """Tóm tắt bệnh án: the requester's reason, history and vital signs, as a starting text."""
    request = subject.consultation
    assert request is not None
    lines = [request.reason.strip()]
    if request.history.strip():
        lines.append(request.history.strip())
    if request.vitals:
        vitals = ", ".join(
            f"{translate(f'consultations.vitals.{name}', 'vi')}: {value}"
            for name, value in request.vitals.items()
        )
        lines.append(vitals)
    return "\n".join(lines)


async def participants(ctx: ServiceContext, subject: Subject) -> list[Participant]:
    """The author (chair), the requester, invited colleagues and whoever joined the room."""
    request = subject.consultation
    assert request is not None
    roles: dict[uuid.UUID, str] = {ctx.actor.user_id: "chair"}
    roles.setdefault(request.requested_by_user_id, "requester")
    for _participant, user, _facility in await consultation_repository.participants(
        ctx.session, request.id
    ):
        roles.setdefault(user.id, "invitee")
    for joined in await repository.participations(ctx.session, subject.room):
        roles.setdefault(joined.user_id, ROOM_ROLES.get(joined.role, "member"))
    people = await repository.users_with_facility(ctx.session, list(roles))
    out = []
    for user_id, role in roles.items():
        if user_id not in people:
            continue
        user, facility, practitioner = people[user_id]
        name = f"{practitioner.title} {user.full_name}".strip() if practitioner else user.full_name
        out.append(Participant(name=name, role=role,  # type: ignore[arg-type]
                               facility=facility.name if facility else "", user_id=user_id))
    return out


async def prefill(ctx: ServiceContext, subject: Subject) -> MinutesContent:
    request = subject.consultation
    assert request is not None
    live = await repository.live_session(ctx.session, subject.room)
    started = (live.started_at if live else None) or request.session_started_at
    ended = (live.ended_at if live else None) or (ctx.now if started else None)
    questions = await consultation_repository.questions(ctx.session, request.id)
    return MinutesContent(
        participants=await participants(ctx, subject),
        started_at=started,
        ended_at=ended,
        case_summary=case_summary(ctx, subject),
        answers=[Answer(question_id=q.id, conclusion=q.answer or "") for q in questions],
        diagnosis_codes=list(request.diagnosis_codes),
    )


async def save_opinion(ctx: ServiceContext, subject: Subject, text: str) -> ConsultationOpinion:
    """A co-consultant's opinion (one each, editable while the case conference is open)."""
    if not subject.may_opine or subject.consultation is None:
        raise Forbidden("records.errors.not_opinion_writer")
    opinion = await repository.opinion_of(ctx.session, subject.consultation.id, ctx.actor.user_id)
    if opinion is None:
        opinion = ConsultationOpinion(
            consultation_id=subject.consultation.id, author_user_id=ctx.actor.user_id,
            text=text.strip(), created_at=ctx.now, updated_at=ctx.now,
        )
    else:
        opinion.text = text.strip()
        opinion.updated_at = ctx.now
    ctx.session.add(opinion)
    record(ctx.session, ctx.actor, "record.opinion", resource_type="ConsultationRequest",
           resource_id=subject.consultation.id, patient_id=subject.patient_id,
           purpose="treatment", clock=ctx.clock)
    await ctx.session.flush()
    return opinion
