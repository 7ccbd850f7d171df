"""deploy/Dockerfile: multi-stage, a non-root runtime, a health check, sources that exist."""

from __future__ import annotations

import re

from tests.deploy.manifests import DEPLOY, ROOT

LINES = [
    line.strip()
    for line in (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def _stages() -> list[list[str]]:
    stages: list[list[str]] = []
    for line in LINES:
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_build_and_runtime_are_separate_stages() -> None:
    stages = _stages()
    assert len(stages) >= 2
    runtime = stages[-1]
    assert any(line.startswith("COPY --from=build") for line in runtime)
    assert not any("pip install" in line for line in runtime), "no building in the runtime"


def test_runtime_runs_as_a_non_root_user() -> None:
    users = [line.split()[1] for line in _stages()[-1] if line.startswith("USER ")]
    assert users, "the runtime stage must set USER"
    assert users[-1].split(":")[0] not in ("0", "root")


def test_healthcheck_asks_the_liveness_endpoint() -> None:
    (check,) = [line for line in LINES if line.startswith("HEALTHCHECK")]
    assert "/healthz" in check


def test_default_command_serves_the_platform() -> None:
    (cmd,) = [line for line in LINES if line.startswith("CMD ")]
    assert re.search(r'"telehealth",\s*"serve"', cmd)


def test_copied_sources_exist() -> None:
    for line in LINES:
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
