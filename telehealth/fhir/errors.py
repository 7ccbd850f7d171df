"""Failures talking to a FHIR server, split by what the outbox should do about them.

Transient: the server or the network may recover (connection errors, timeouts, 5xx, 429,
authentication trouble), so the delivery is retried later. Permanent: the server read the
request and refused it (4xx with an OperationOutcome), or our own validation refused it
before sending; retrying the same bytes cannot succeed, so the message is dead-lettered.
"""

from __future__ import annotations

from typing import Any


def outcome_text(outcome: dict[str, Any] | None) -> str:
    """A one-line summary of an OperationOutcome's issues, for logs and the dead-letter view."""
    if not outcome:
        return ""
    parts = []
    for issue in outcome.get("issue") or []:
        text = (
            (issue.get("details") or {}).get("text")
            or issue.get("diagnostics")
            or issue.get("code")
        )
        where = ", ".join(issue.get("expression") or [])
        parts.append(f"{text} ({where})" if where else str(text))
    return "; ".join(parts)


class FhirError(Exception):
    def __init__(
        self, message: str, *, status: int | None = None, outcome: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.outcome = outcome


class TransientFhirError(FhirError):
    """Worth retrying later; `retry_after` (seconds) when the server said when."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        outcome: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, outcome=outcome)
        self.retry_after = retry_after


class AuthenticationError(TransientFhirError):
    """The token endpoint or the server refused our credentials.

    Transient on purpose: a wrong secret or an expired client registration is the
    deployment's problem, not the message's, and it is fixed without touching the message.
    """


class PermanentFhirError(FhirError):
    """The server (or our validation) refused this content; resending it cannot help."""


class InvalidResourceError(PermanentFhirError):
    """Our own validation refused a resource before anything was sent."""

    def __init__(self, message: str, *, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems
