"""Service-level deadlines: how long a facility has to accept a request, by urgency."""

from __future__ import annotations

from datetime import datetime, timedelta

from telehealth.models import ConsultationUrgency, Facility


def sla_minutes(facility: Facility, urgency: ConsultationUrgency) -> int:
    """Minutes the consulting facility has to accept (defaults 15 min, 2 h, 24 h)."""
    return {
        ConsultationUrgency.emergency: facility.sla_emergency_minutes,
        ConsultationUrgency.urgent: facility.sla_urgent_minutes,
        ConsultationUrgency.routine: facility.sla_routine_minutes,
    }[ConsultationUrgency(urgency)]


def due_at(facility: Facility, urgency: ConsultationUrgency, queued_at: datetime) -> datetime:
    return queued_at + timedelta(minutes=sla_minutes(facility, urgency))


def is_overdue(due: datetime | None, now: datetime, *, awaiting: bool) -> bool:
    """Only a request still waiting for acceptance can be overdue: the clock stops at accept."""
    return awaiting and due is not None and due <= now
