"""Validation before sending, with the R4B models (R4-compatible for what we send)."""

from __future__ import annotations

import pytest

from telehealth.fhir.errors import InvalidResourceError, PermanentFhirError
from telehealth.fhir.validate import validate_bundle, validate_resource
from tests.fixtures.fhir_bundles import encounter_summary_bundle


def test_a_valid_encounter_summary_bundle_passes() -> None:
    validate_bundle(encounter_summary_bundle())


def test_r4_shapes_are_accepted_where_r5_differs() -> None:
    # Encounter.class is a Coding in R4 (a list of CodeableConcepts in R5).
    validate_resource({"resourceType": "Encounter", "status": "finished", "class": {"code": "VR"}})


def test_a_missing_required_field_names_the_entry_resource_and_field() -> None:
    bundle = encounter_summary_bundle()
    del bundle["entry"][4]["resource"]["title"]
    with pytest.raises(InvalidResourceError) as caught:
        validate_bundle(bundle)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("Bundle.entry[4].resource (Composition): title:")


def test_an_unknown_field_is_refused() -> None:
    bundle = encounter_summary_bundle()
    bundle["entry"][0]["resource"]["ngaySinh"] = "1985-03-15"
    with pytest.raises(InvalidResourceError, match=r"entry\[0\].resource \(Patient\): ngaySinh"):
        validate_bundle(bundle)


def test_an_unknown_resource_type_is_refused() -> None:
    with pytest.raises(InvalidResourceError, match="unknown resource type 'Benhan'"):
        validate_resource({"resourceType": "Benhan"})


def test_every_problem_is_reported_at_once() -> None:
    bundle = encounter_summary_bundle()
    bundle["entry"][0]["resource"]["birthDate"] = "15/03/1985"
    del bundle["entry"][3]["resource"]["status"]
    with pytest.raises(InvalidResourceError) as caught:
        validate_bundle(bundle)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "Bundle.entry[0].resource (Patient)",
        "Bundle.entry[3].resource (Encounter)",
    ]


def test_an_invalid_resource_is_a_permanent_error() -> None:
    assert issubclass(InvalidResourceError, PermanentFhirError)


def test_a_bundle_without_entries_is_refused() -> None:
    with pytest.raises(InvalidResourceError, match="at least one entry"):
        validate_bundle({"resourceType": "Bundle", "type": "transaction"})
