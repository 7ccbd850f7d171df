"""The caller of a request: who they are and what their data access is scoped to."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from telehealth.models import Role, User


def _no_user() -> User:
    raise LookupError("this actor was made without a way to load its user")


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
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
    # What is written to the caller needs these two of their account (a notification's
    # language, whether an email copy can go out), not the account as an entity.
    locale: str | None = None
    email: str | None = None
    # Makes `user`: the caller's account as an entity of the request's session, made when a
    # route first asks for it. Most API requests never do, and making it cost ~0.2 ms of CPU
    # per request (measured on the booking path).
    load_user: Callable[[], User] = field(default=_no_user, compare=False, repr=False)

    @cached_property
    def user(self) -> User:
        return self.load_user()

    @classmethod
    def of(cls, user: User, **facts: Any) -> Actor:
        """The actor for an already loaded `user` (jobs, demo data, tests)."""
        return cls(
            user_id=user.id,
            display_name=user.full_name,
            locale=user.locale,
            email=user.email,
            load_user=lambda: user,
            **facts,
        )

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.clinician, Role.facility_admin)
