"""The JSON API under /api/v1: every domain's router, in one list."""

from __future__ import annotations

from fastapi import APIRouter

from telehealth.accounts.endpoints import me_router
from telehealth.accounts.endpoints import router as accounts_router
from telehealth.audit.endpoints import router as audit_router
from telehealth.booking.endpoints import router as booking_router
from telehealth.connectivity.endpoints import router as connectivity_router
from telehealth.consultations.attachment_endpoints import router as consultation_files_router
from telehealth.consultations.endpoints import router as consultations_router
from telehealth.directory.endpoints import router as directory_router
from telehealth.facilities.admin_endpoints import router as facility_admin_router
from telehealth.notifications.endpoints import router as notifications_router
from telehealth.patients.endpoints import router as patients_router
from telehealth.practitioners.endpoints import router as practitioner_admin_router
from telehealth.quality.endpoints import router as quality_router
from telehealth.records.endpoints import router as records_router
from telehealth.records.endpoints import signatures_router
from telehealth.regulator.endpoints import router as regulator_router
from telehealth.scheduling.endpoints import admin_router as schedule_admin_router
from telehealth.scheduling.endpoints import clinician_router as agenda_router
from telehealth.sessions.endpoints import router as sessions_router
from telehealth.sessions.internal import router as signaling_internal_router
from telehealth.terminology.endpoints import router as terminology_router


def build_api_router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    api.include_router(accounts_router)
    api.include_router(me_router)
    api.include_router(patients_router)
    api.include_router(directory_router)
    api.include_router(booking_router)
    api.include_router(notifications_router)
    api.include_router(facility_admin_router)
    api.include_router(practitioner_admin_router)
    api.include_router(schedule_admin_router)
    api.include_router(agenda_router)
    api.include_router(sessions_router)
    api.include_router(signaling_internal_router)
    api.include_router(consultations_router)
    api.include_router(consultation_files_router)
    api.include_router(terminology_router)
    api.include_router(connectivity_router)
    api.include_router(quality_router)
    api.include_router(records_router)
    api.include_router(signatures_router)
    api.include_router(audit_router)
    api.include_router(regulator_router)
    return api
