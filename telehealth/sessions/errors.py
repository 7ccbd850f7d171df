"""Typed errors of live sessions: a room that is the caller's but not open right now."""

from __future__ import annotations

from telehealth.errors import AppError


class RoomNotOpenYet(AppError):
    """Too early: the waiting room opens a little before the appointment starts."""

    status_code = 409
    code = "room_not_open_yet"


class RoomClosed(AppError):
    """The visit is over (ended, cancelled, completed, or past its join window)."""

    status_code = 410
    code = "room_closed"
