"""Expected failures as typed errors that carry their HTTP status and a translatable message.

A route raises one of these; one handler (telehealth.app) renders it as the JSON error
shape for the API or a friendly page for the web. Anything else is a bug and a 500.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        key: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        if code is not None:
            self.code = code
        # The message is looked up in web/translations by key, in the caller's language.
        self.key = key or f"errors.{self.code}"
        self.params = params
        self.details = details
        self.headers = headers
        super().__init__(f"{self.code}: {self.key} {params}")


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_error"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"
