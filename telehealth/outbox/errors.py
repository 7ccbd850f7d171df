"""What a delivery handler raises, and what the outbox refuses."""

from __future__ import annotations

from telehealth.errors import Conflict


class DeliveryError(Exception):
    """A handler could not deliver a message."""


class TransientDeliveryError(DeliveryError):
    """Try again later (the receiver is down, busy or refused our credentials)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """The receiver refused this content for good: the message goes to the dead letters."""


class OutboxKeyConflict(Conflict):
    """The key names an existing message with a different kind or payload: a producer bug."""

    code = "outbox_key_conflict"
