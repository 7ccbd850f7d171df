"""Logging: plain text for a developer's terminal, one JSON object a line in production.

`TELEHEALTH_LOG_FORMAT=json` selects JSON for the app, uvicorn and the worker. Every
record carries the request id of the request that produced it (set by the request
middleware), so a line in the logs joins the `request_id` a client saw in an error.

Nothing secret is written: uvicorn's access log is replaced by our own line that has
the route template instead of the raw path (query strings can carry search terms such
as a CCCD), and values that look like bearer tokens or passwords are masked in any
message as a last line of defence.
"""

from __future__ import annotations

import json
import logging
import re
import time
from contextvars import ContextVar
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("telehealth_request_id", default=None)

_SECRETS = re.compile(
    r"(?i)(bearer\s+|authorization[\"']?\s*[:=]\s*[\"']?(?:bearer\s+|basic\s+)?|"
    r"(?:password|token|secret)"
    r"[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&]+)"
)
_DSN_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")
# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


def redact(text: str) -> str:
    text = _SECRETS.sub(lambda m: m.group(1) + "***", text)
    return _DSN_PASSWORD.sub(lambda m: m.group(1) + "***" + m.group(3), text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "request_id" and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool) or value is None \
                    else redact(str(value))
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def logging_config(log_format: str, level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app, uvicorn's loggers and the worker."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if log_format == "json"
        else {"()": TextFormatter, "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            # uvicorn's loggers go through the root handler; its access log is off (our
            # middleware writes one line per request with the route template instead).
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }
