"""deploy/compose.yaml: valid against the Compose Specification schema, and wired right."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from tests.deploy.manifests import DEPLOY, load_yaml

SCHEMA = json.loads((DEPLOY.parent / "tests/deploy/schemas/compose-spec.json").read_text())
# The schema declares draft 2019-09 by an old URL that jsonschema does not resolve.
Validator = jsonschema.Draft201909Validator
# Made by the operator on the host (docs/deploy.md), never committed.
OPERATOR_FILES = ("./backups", "./certs", "./prometheus/metrics-token")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(DEPLOY / "compose.yaml")  # type: ignore[no-any-return]


def test_compose_file_is_valid_against_the_compose_spec(compose: dict[str, Any]) -> None:
    Validator.check_schema(SCHEMA)
    errors = sorted(Validator(SCHEMA).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_mistake(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["app"]["restart_policy"] = "always"  # not a service key
    assert any("restart_policy" in e.message for e in Validator(SCHEMA).iter_errors(broken))


def test_every_part_of_the_platform_is_there(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "app", "worker", "coturn", "nginx"} <= set(services)
    assert services["app"]["deploy"]["replicas"] >= 2
    assert "--workers" in services["app"]["command"]
    assert services["worker"]["command"][:2] == ["telehealth", "worker"]
    assert services["migrate"]["command"] == ["telehealth", "migrate"]
    images = {services[s]["image"] for s in ("app", "worker", "migrate")}
    assert len(images) == 1, "app, worker and migrations must run the same release"


def test_app_runs_one_worker_per_container_for_room_affinity(compose: dict[str, Any]) -> None:
    # uvicorn's workers share one socket nginx cannot address one by one; containers it can.
    command = compose["services"]["app"]["command"]
    assert command[command.index("--workers") + 1] == "1"
    assert compose["services"]["app"]["deploy"]["replicas"] >= 2


def test_app_starts_after_migrations_and_healthy_dependencies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("app", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["nginx"]["depends_on"]["app"]["condition"] == "service_healthy"


def test_app_stops_gracefully_before_it_is_killed(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    command = app["command"]
    graceful = float(command[command.index("--graceful-timeout") + 1])
    assert float(app["stop_grace_period"].rstrip("s")) > graceful + 10
    assert app["environment"]["TELEHEALTH_RUN_BACKGROUND_TASKS"] == "false"


def test_mounted_files_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./") and not source.startswith(OPERATOR_FILES):
                assert (DEPLOY / source).exists(), f"{name}: {source} is missing"


def test_every_variable_is_documented_in_the_env_example(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    documented = {line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text()
                  .splitlines() if "=" in line and not line.startswith("#")}
    assert used <= documented, f"undocumented: {sorted(used - documented)}"


def test_secrets_are_required_not_defaulted(compose: dict[str, Any]) -> None:
    environment = compose["x-app-environment"]
    for key in ("TELEHEALTH_SECRET_KEY", "TELEHEALTH_METRICS_TOKEN", "TELEHEALTH_TURN_SECRET"):
        assert ":?" in environment[key], f"{key} must fail when unset, not fall back"
