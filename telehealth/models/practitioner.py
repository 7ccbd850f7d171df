"""Practitioners: the clinical profile of a clinician account."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from telehealth.models.base import fk, id_field, utc


class Practitioner(SQLModel, table=True):
    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user.id", unique=True)
    facility_id: uuid.UUID = fk("facility.id")
    # Chứng chỉ hành nghề (CCHN) and the scope it allows (phạm vi hành nghề).
    practice_certificate_number: str = Field(max_length=40, unique=True)
    practice_scope: str = Field(default="", max_length=300)
    title: str = Field(default="", max_length=40)  # e.g. "BSCKII", "ThS.BS"
    accepts_online_booking: bool = True
    is_active: bool = True
    created_at: datetime = utc()


class PractitionerSpecialty(SQLModel, table=True):
    __tablename__ = "practitioner_specialty"
    practitioner_id: uuid.UUID = Field(
        foreign_key="practitioner.id", primary_key=True, ondelete="CASCADE"
    )
    specialty_id: uuid.UUID = Field(foreign_key="specialty.id", primary_key=True)
