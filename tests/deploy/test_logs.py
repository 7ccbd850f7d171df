"""JSON logs: one object a line, the request id attached, secrets masked."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest

from telehealth.observability.logs import logging_config, request_id_var


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    config = logging_config("json")
    config["handlers"]["default"]["stream"] = stream
    config["loggers"]["telehealth.test"] = {"handlers": ["default"], "propagate": False}
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(logging_config("text"))


def test_each_line_is_json_with_the_request_id(json_log: io.StringIO) -> None:
    token = request_id_var.set("req-0123456789")
    try:
        logging.getLogger("telehealth.test").info("booked %s", "slot", extra={"route": "/x"})
    finally:
        request_id_var.reset(token)
    entry = json.loads(json_log.getvalue())
    assert entry["message"] == "booked slot"
    assert entry["request_id"] == "req-0123456789"
    assert entry["level"] == "info" and entry["route"] == "/x"
    assert entry["ts"].endswith("Z")


def test_tokens_and_passwords_are_masked(json_log: io.StringIO) -> None:
    log = logging.getLogger("telehealth.test")
    log.warning("Authorization: Bearer abc.def.ghi")
    log.warning("connect postgresql+asyncpg://telehealth:hunter2@db:5432/telehealth failed")
    log.warning("form password=hunter2&next=/")
    text = json_log.getvalue()
    assert "abc.def.ghi" not in text and "hunter2" not in text
    assert len(text.splitlines()) == 3


def test_exceptions_stay_on_one_line(json_log: io.StringIO) -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        logging.getLogger("telehealth.test").exception("failed")
    (line,) = json_log.getvalue().splitlines()
    assert "ValueError: bad" in json.loads(line)["exc"]
