"""Audit events as FHIR R4 AuditEvent resources shaped by IHE Basic Audit Log Patterns (BALP).

Each event becomes one AuditEvent with the BALP profile of its pattern (Create, Read,
Update, Delete, Query, and the Patient* variants when a patient is the subject), the user
agent (requestor) with its role, the client's network address, the server as observer,
the X-Request-Id as the transaction entity, the touched resource and the patient.
Logins use the DICOM "User Authentication" type; refusals carry outcome 4 (minor failure).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telehealth.models import AuditEvent

BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."
DCM = "http://dicom.nema.org/resources/ontology/DCM"
EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
INTERACTION = "http://hl7.org/fhir/restful-interaction"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
BALP_ENTITY = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
ROLE_SYSTEM = "urn:vtelehealth:role"
USER_SYSTEM = "urn:vtelehealth:user"

# The last part of our action names, by FHIR interaction.
_CREATE = {"create", "register", "grant", "book", "submit", "invite", "attach", "upload",
           "sign", "join"}
_READ = {"read", "list", "view", "download", "timeline"}
_DELETE = {"delete", "purge"}
_QUERY = {"search", "export", "query"}

_OUTCOME = {"success": "0", "denied": "4", "failure": "4"}


def _interaction(action: str) -> tuple[str, str, str]:
    """(FHIR action code, restful-interaction code, BALP pattern)."""
    verb = action.rsplit(".", 1)[-1]
    if verb in _READ:
        return "R", "read", "Read"
    if verb in _QUERY:
        return "E", "search", "Query"
    if verb in _CREATE:
        return "C", "create", "Create"
    if verb in _DELETE:
        return "D", "delete", "Delete"
    return "U", "update", "Update"


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def audit_event_resource(event: AuditEvent, *, server: str) -> dict[str, Any]:
    is_login = event.action.startswith("auth.")
    action_code, interaction, pattern = _interaction(event.action)
    resource: dict[str, Any] = {"resourceType": "AuditEvent", "id": str(event.id)}
    if is_login:
        resource["type"] = {"system": DCM, "code": "110114", "display": "User Authentication"}
        resource["subtype"] = [{"system": DCM, "code": "110122", "display": "Login"}]
        resource["action"] = "E"
    else:
        if event.patient_id is not None:
            pattern = "Patient" + pattern
        resource["meta"] = {"profile": [BALP + pattern]}
        resource["type"] = {"system": EVENT_TYPE, "code": "rest", "display": "Restful Operation"}
        resource["subtype"] = [{"system": INTERACTION, "code": interaction},
                               {"system": "urn:vtelehealth:action", "code": event.action}]
        resource["action"] = action_code
    resource["recorded"] = _instant(event.occurred_at)
    resource["outcome"] = _OUTCOME.get(event.outcome, "8")
    if event.outcome != "success":
        resource["outcomeDesc"] = str(event.detail.get("reason") or event.outcome)
    if event.purpose:
        resource["purposeOfEvent"] = [{"text": event.purpose}]
    resource["agent"] = _agents(event, server)
    resource["source"] = {
        "observer": {"display": server},
        "type": [{"system": SOURCE_TYPE, "code": "4", "display": "Application Server"}],
    }
    entities = _entities(event)
    if entities:
        resource["entity"] = entities
    return resource


def _agents(event: AuditEvent, server: str) -> list[dict[str, Any]]:
    client: dict[str, Any] = {
        "type": {"coding": [{"system": DCM, "code": "110153", "display": "Source Role ID"}]},
        "who": {"display": "client"},
        "requestor": False,
    }
    if event.client_ip:
        client["network"] = {"address": event.client_ip, "type": "2"}
    agents = [
        client,
        {
            "type": {"coding": [{"system": DCM, "code": "110152",
                                 "display": "Destination Role ID"}]},
            "who": {"display": server},
            "requestor": False,
        },
    ]
    if event.actor_user_id is not None:
        user: dict[str, Any] = {
            "type": {"coding": [{"system": PARTICIPATION, "code": "IRCP",
                                 "display": "information recipient"}]},
            "who": {"identifier": {"system": USER_SYSTEM, "value": str(event.actor_user_id)}},
            "requestor": True,
        }
        if event.actor_role:
            user["role"] = [{"coding": [{"system": ROLE_SYSTEM, "code": event.actor_role}]}]
        if event.actor_facility_id is not None:
            user["location"] = {"identifier": {"system": "urn:vtelehealth:facility",
                                               "value": str(event.actor_facility_id)}}
        agents.append(user)
    return agents


def _entities(event: AuditEvent) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    if event.request_id:
        entities.append({
            "what": {"identifier": {"value": event.request_id}},
            "type": {"system": BALP_ENTITY, "code": "XrequestId"},
        })
    if event.resource_type and event.resource_id:
        entities.append({
            "what": {"reference": f"{event.resource_type}/{event.resource_id}"},
            "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
            "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
        })
    if event.patient_id is not None:
        entities.append({
            "what": {"reference": f"Patient/{event.patient_id}"},
            "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
        })
    return entities


def audit_bundle(
    events: list[AuditEvent], *, server: str, generated_at: datetime
) -> dict[str, Any]:
    """A collection Bundle of the events, in the order given."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(generated_at),
        "entry": [
            {"fullUrl": f"urn:uuid:{event.id}",
             "resource": audit_event_resource(event, server=server)}
            for event in events
        ],
    }
