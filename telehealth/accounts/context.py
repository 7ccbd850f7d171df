"""The caller of a request: who they are and what their data access is scoped to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from telehealth.models import Role, User


@dataclass(frozen=True)
class Actor:
    user: User
    role: Role
    facility_id: uuid.UUID | None
    # The province the actor's facility is in, or a regulator's jurisdiction (None: national).
    province_code: str | None
    request_id: str | None = None
    client_ip: str | None = None
    auth_kind: str = "api"  # "web" (cookie) or "api" (bearer)
    lang: str = "vi"
    session_id: uuid.UUID | None = field(default=None, compare=False)
    # Captured when the actor is resolved: pages show it even after the request's transaction
    # rolled back (which expires `user`, and an error page must still render).
    display_name: str = ""

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.clinician, Role.facility_admin)
