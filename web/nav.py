"""The main navigation of each role: (translation key, path). Areas add their own entries."""

from __future__ import annotations

from telehealth.models import Role

NAV: dict[Role, list[tuple[str, str]]] = {
    Role.patient: [
        ("nav.book", "/book"),
        ("nav.my_appointments", "/appointments"),
        ("sessions.nav", "/sessions"),
        ("records.nav", "/records"),
        ("connectivity.nav", "/connection-check"),
        ("nav.consents", "/consents"),
        ("quality.nav.rate", "/quality/visits"),
        ("access_log.nav", "/access-log"),
        ("nav.notifications", "/notifications"),
    ],
    Role.clinician: [
        ("nav.agenda", "/clinician/agenda"),
        ("consultations.nav.title", "/consultations"),
        ("sessions.nav", "/sessions"),
        ("records.nav", "/records"),
        ("connectivity.nav", "/connection-check"),
        ("quality.nav.dashboard", "/quality"),
        ("nav.notifications", "/notifications"),
    ],
    Role.facility_admin: [
        ("nav.admin_facility", "/admin/facility"),
        ("records.nav", "/records"),
        ("quality.nav.dashboard", "/quality"),
        ("nav.notifications", "/notifications"),
    ],
    Role.regulator: [
        ("regulator.nav.reports", "/regulator/reports"),
        ("regulator.nav.register", "/regulator/register"),
        ("regulator.nav.audit", "/regulator/audit"),
        ("regulator.nav.integrity", "/regulator/integrity"),
        ("quality.nav.dashboard", "/quality"),
        ("nav.notifications", "/notifications"),
    ],
    Role.system_admin: [
        ("nav.notifications", "/notifications"),
    ],
}


def nav_for(role: Role | None) -> list[tuple[str, str]]:
    return NAV.get(role, []) if role else []
