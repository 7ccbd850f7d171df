"""Structural validation of FHIR resources before they leave us, with fhir.resources' R4B models.

R4B's models of the resources we send (Patient, Practitioner, Organization, Encounter,
Composition, Observation, Condition, DocumentReference, Provenance, Bundle) are the same as
R4's, while the package's default models are R5 and would refuse valid R4 (and accept
invalid). A resource refused here is a bug on our side: it becomes a permanent error that
names the entry, the resource type and the field, and nothing is sent.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from telehealth.fhir.errors import InvalidResourceError


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def resource_problems(resource: Any, where: str) -> list[str]:
    """What is wrong with one resource, each problem as `where (Type): field: message`."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return [f"{where}: not a FHIR resource (no resourceType)"]
    resource_type = resource["resourceType"]
    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return [f"{where}: unknown resource type {resource_type!r}"]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return [
            f"{where} ({resource_type}): {_path(error['loc']) or '(resource)'}: {error['msg']}"
            for error in exc.errors()
        ]
    return []


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Raise InvalidResourceError unless the Bundle and every entry resource are valid R4."""
    problems: list[str] = []
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        problems.append("Bundle.entry: a transaction needs at least one entry")
        entries = []
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and "resource" in entry:
            problems += resource_problems(entry["resource"], f"Bundle.entry[{i}].resource")
    # The envelope (type, fullUrl, request) is checked with the resources taken out, so each
    # resource's problems are reported once, under its own entry.
    shell = {
        **bundle,
        "entry": [
            {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e
            for e in entries
        ],
    }
    if not entries:
        shell.pop("entry")
    problems += resource_problems(shell, "Bundle")
    if problems:
        raise InvalidResourceError(
            "invalid FHIR content: " + "; ".join(problems), problems=problems
        )


def validate_resource(resource: dict[str, Any]) -> None:
    problems = resource_problems(resource, resource.get("resourceType", "resource"))
    if problems:
        raise InvalidResourceError(
            "invalid FHIR content: " + "; ".join(problems), problems=problems
        )
