"""The FHIR R4 transaction Bundle of a signed document, for the health record platform (VHR).

Pure: built from the signed document, its signature, the PDF and the identifier systems,
with no I/O, so the bundle of a version is the same every time it is built.

Shape (every entry a conditional create `ifNoneExist` on its own identifier, `fullUrl` a
urn:uuid, references between entries by those urn:uuids), so a resent bundle answers
200 with what is already there and creates nothing twice:

    Patient (CCCD, BHYT) · Organization per facility (facility code) · Practitioner per
    clinician with a practice certificate (CCHN) · ServiceRequest (the consultation request,
    minutes only) · Encounter (class VR, period, participants, basedOn) · Condition per
    ICD-10 diagnosis · Composition (the document; attester = signer) · DocumentReference
    (the PDF) · Provenance (the signature)

Identities that must survive corrections (the patient, the facilities, the encounter, its
conditions) are derived from the subject; the Composition, DocumentReference and Provenance
are per signed version, and a correction's point at the version they replace.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from telehealth.fhir.identifiers import (
    IdentifierSystems,
    identifier,
    search_token,
    uuid_identifier,
)
from telehealth.records.labels import DISPOSITIONS, REMOTE_CARE_NOTE, ROLES, SECTIONS, SEXES
from telehealth.signatures.signing import Signature

# Fixed namespace for identities derived from our ids (uuid5): stable across resends.
NAMESPACE = uuid.UUID("0193c0de-5e1f-7b2a-9c4d-7e1ea1e4b000")
XHTML = "http://www.w3.org/1999/xhtml"
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
# Document types (docs/records.md explains the choice): minutes are LOINC 11488-4 "Consult
# note"; a video visit's summary is 11506-3 "Progress note", the note of an outpatient
# visit (findings, assessment, plan), which is what the doctor writes here.
DOCUMENT_TYPES = {
    "consultation_minutes": ("11488-4", "Consult note"),
    "encounter_summary": ("11506-3", "Progress note"),
}
# Provenance.signature.type: ASTM E1762 "Author's Signature".
SIGNATURE_TYPE = {"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1",
                  "display": "Author's Signature"}
# Our signature record (JSON: algorithm, key id, time, digest, value, public key), base64 in
# Provenance.signature.data; it signs the RFC 8785 form of the document (targetFormat).
SIGNATURE_FORMAT = "application/vnd.vtelehealth.signature+json"
# Provenance has no identifier in R4: a tag carrying the version's identifier lets a resend
# find it with `ifNoneExist: _tag=...` instead of creating a second one.
PROVENANCE_TAG_SYSTEM = "urn:vtelehealth:provenance"
PARTICIPANT_TYPES = {"chair": "PPRF", "consultant": "CON", "invitee": "CON",
                     "requester": "REF", "member": "PART"}


def derived_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(parts))


@dataclass
class _Builder:
    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, resource: dict[str, Any], condition: str, key: str) -> str:
        # The fullUrl is derived too, so the same version always gives the same bytes.
        full_url = f"urn:uuid:{derived_id('fullUrl', key)}"
        self.entries.append({
            "fullUrl": full_url,
            "resource": resource,
            "request": {"method": "POST", "url": resource["resourceType"],
                        "ifNoneExist": condition},
        })
        return full_url


def _by_identifier(ident: dict[str, str]) -> str:
    return "identifier=" + search_token(ident)


def _narrative(*paragraphs: str) -> dict[str, str]:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p) or "<p>-</p>"
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _section(title: str, *paragraphs: str, code: str | None = None,
             entries: list[str] | None = None) -> dict[str, Any]:
    section: dict[str, Any] = {"title": title, "text": _narrative(*paragraphs)}
    if code:
        section["code"] = {"coding": [{"system": LOINC, "code": code}]}
    if entries:
        section["entry"] = [{"reference": ref} for ref in entries]
    return section


def _icd10(diagnosis: dict[str, Any]) -> dict[str, Any]:
    return {"coding": [{"system": ICD10, "code": diagnosis["code"],
                        "display": diagnosis["title_en"]}], "text": diagnosis["title"]}


def _patient(b: _Builder, doc: dict[str, Any], systems: IdentifierSystems) -> str:
    p = doc["patient"]
    identifiers = []
    if p["national_id"]:
        identifiers.append(identifier(systems.cccd, p["national_id"]))
    if p["health_insurance_number"]:
        identifiers.append(identifier(systems.bhyt, p["health_insurance_number"]))
    if not identifiers:  # no CCCD on file: match on our own id rather than on nothing
        identifiers.append(uuid_identifier(uuid.UUID(p["id"])))
    resource = {
        "resourceType": "Patient",
        "identifier": identifiers,
        "name": [{"text": p["full_name"]}],
        "gender": p["sex"] if p["sex"] in SEXES else "unknown",
        "birthDate": p["date_of_birth"],
    }
    return b.add(resource, _by_identifier(identifiers[0]), f"patient:{p['id']}")


def _organization(b: _Builder, facility: dict[str, Any], systems: IdentifierSystems) -> str:
    ident = identifier(systems.facility, facility["code"])
    resource = {"resourceType": "Organization", "identifier": [ident], "active": True,
                "name": facility["name"]}
    return b.add(resource, _by_identifier(ident), f"organization:{facility['code']}")


def _practitioner(b: _Builder, name: str, cchn: str, systems: IdentifierSystems) -> str:
    ident = identifier(systems.cchn, cchn)
    resource = {"resourceType": "Practitioner", "identifier": [ident], "name": [{"text": name}]}
    return b.add(resource, _by_identifier(ident), f"practitioner:{cchn}")


def _service_request(b: _Builder, doc: dict[str, Any], refs: dict[str, str]) -> str:
    c = doc["consultation"]
    ident = uuid_identifier(uuid.UUID(c["id"]))
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [ident],
        "status": "completed",
        "intent": "order",
        "priority": {"routine": "routine", "urgent": "urgent", "emergency": "stat"}[c["urgency"]],
        "code": {"text": "Hội chẩn từ xa"},
        "subject": {"reference": refs["patient"]},
        "requester": {"reference": refs["requesting"]},
        "performer": [{"reference": refs["consulting"]}],
        "note": [{"text": c["reason"]}],
    }
    if c["submitted_at"]:
        resource["authoredOn"] = c["submitted_at"]
    if c["provisional_diagnoses"]:
        resource["reasonCode"] = [_icd10(d) for d in c["provisional_diagnoses"]]
    return b.add(resource, _by_identifier(ident), f"service-request:{c['id']}")


def _encounter(b: _Builder, doc: dict[str, Any], subject: str, refs: dict[str, str],
               participants: list[tuple[str, str]], conditions: list[str]) -> str:
    ident = uuid_identifier(derived_id("encounter", subject))
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "identifier": [ident],
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "VR", "display": "virtual"},
        "subject": {"reference": refs["patient"]},
        "participant": [
            {"type": [{"coding": [{"system": PARTICIPATION, "code": code}]}],
             "individual": {"reference": ref}}
            for code, ref in participants
        ],
        "period": {k: v for k, v in doc["period"].items() if v},
        "serviceProvider": {"reference": refs["provider"]},
        "diagnosis": [{"condition": {"reference": ref}, "rank": i}
                      for i, ref in enumerate(conditions, start=1)],
    }
    if "service_request" in refs:
        resource["basedOn"] = [{"reference": refs["service_request"]}]
    return b.add(resource, _by_identifier(ident), f"encounter:{subject}")


def _condition(b: _Builder, doc: dict[str, Any], subject: str, diagnosis: dict[str, Any],
               refs: dict[str, str], recorded: str) -> str:
    ident = uuid_identifier(derived_id("condition", subject, diagnosis["code"]))
    resource = {
        "resourceType": "Condition",
        "identifier": [ident],
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"}]},
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "encounter-diagnosis"}]}],
        "code": _icd10(diagnosis),
        "subject": {"reference": refs["patient"]},
        "encounter": {"reference": refs["encounter_urn"]},
        "recordedDate": recorded,
        "recorder": {"reference": refs["author"]},
    }
    return b.add(resource, _by_identifier(ident), f"condition:{subject}:{diagnosis['code']}")


def _minutes_sections(doc: dict[str, Any], conditions: list[str]) -> list[dict[str, Any]]:
    people = [f"{p['name']} ({ROLES.get(p['role'], p['role'])}"
              + (f", {p['facility']})" if p["facility"] else ")") for p in doc["participants"]]
    sections = [
        _section(SECTIONS["participants"], *people),
        _section(SECTIONS["case_summary"], doc["case_summary"], code="10164-2"),
        _section(SECTIONS["questions"], *[f"{q['position']}. {q['question']} — {q['conclusion']}"
                                          for q in doc["questions"]]),
        _section(SECTIONS["diagnoses"], *[f"{d['code']} {d['title']}" for d in doc["diagnoses"]],
                 code="29548-5", entries=conditions),
        _section(SECTIONS["conclusion"], doc["conclusion"]),
        _section(SECTIONS["recommendations"], doc["recommendations"], code="18776-5"),
        _disposition_section(doc),
    ]
    if doc["opinions"]:
        sections.append(_section(SECTIONS["opinions"],
                                 *[f"{o['author']}: {o['text']}" for o in doc["opinions"]]))
    return sections


def _summary_sections(doc: dict[str, Any], conditions: list[str]) -> list[dict[str, Any]]:
    sections = [
        _section(SECTIONS["findings"], doc["findings"]),
        _section(SECTIONS["diagnoses"], *[f"{d['code']} {d['title']}" for d in doc["diagnoses"]],
                 code="29548-5", entries=conditions),
        _section(SECTIONS["advice"], doc["advice"], code="18776-5"),
        _disposition_section(doc),
    ]
    outside = doc["remote_care_check"]["not_found"]
    if outside:
        sections.append(_section(SECTIONS["remote_care"],
                                 REMOTE_CARE_NOTE.format(codes=", ".join(outside))))
    return sections


def _disposition_section(doc: dict[str, Any]) -> dict[str, Any]:
    d = doc["disposition"]
    lines = [DISPOSITIONS.get(d["kind"] or "", d["kind"] or ""), d["note"]]
    if d["follow_up_on"]:
        lines.append(f"Ngày hẹn: {d['follow_up_on']}")
    return _section(SECTIONS["disposition"], *lines)


def _chat_section(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if not doc["chat_excerpts"]:
        return []
    return [_section(SECTIONS["chat_excerpts"],
                     *[f"{c['at']} {c['author']}: {c['text']}" for c in doc["chat_excerpts"]])]


def signature_data(signature: Signature, public_key: bytes) -> str:
    record = {**signature.to_dict(),
              "public_key": base64.b64encode(public_key).decode("ascii")}
    return base64.b64encode(json.dumps(record, sort_keys=True).encode()).decode("ascii")


def build_bundle(
    document: dict[str, Any],
    signature: Signature,
    public_key: bytes,
    pdf: bytes,
    systems: IdentifierSystems,
) -> dict[str, Any]:
    kind = document["kind"]
    is_minutes = kind == "consultation_minutes"
    subject = (f"consultation:{document['consultation']['id']}" if is_minutes
               else f"appointment:{document['visit']['appointment_id']}")
    signed_at = signature.to_dict()["signed_at"]
    b = _Builder()
    refs = {"patient": _patient(b, document, systems)}
    if is_minutes:
        c = document["consultation"]
        refs["requesting"] = _organization(b, c["requesting_facility"], systems)
        refs["consulting"] = _organization(b, c["consulting_facility"], systems)
        refs["provider"] = refs["consulting"]
    else:
        refs["provider"] = _organization(b, document["visit"]["facility"], systems)
    author = document["author"]
    refs["author"] = _practitioner(b, f"{author['title']} {author['full_name']}".strip(),
                                   author["practice_certificate_number"], systems)
    participants = [("PPRF", refs["author"])]
    seen = {author["practice_certificate_number"]}
    for p in document.get("participants", []):
        cchn = p["practice_certificate_number"]
        if cchn and cchn not in seen:
            seen.add(cchn)
            participants.append((PARTICIPANT_TYPES.get(p["role"], "PART"),
                                 _practitioner(b, p["name"], cchn, systems)))
    if is_minutes:
        refs["service_request"] = _service_request(b, document, refs)
    # Conditions name the encounter and the encounter lists them: the encounter's fullUrl
    # is known before either is added because it is derived from the subject.
    refs["encounter_urn"] = f"urn:uuid:{derived_id('fullUrl', f'encounter:{subject}')}"
    conditions = [_condition(b, document, subject, d, refs, signed_at)
                  for d in document["diagnoses"]]
    refs["encounter"] = _encounter(b, document, subject, refs, participants, conditions)
    assert refs["encounter"] == refs["encounter_urn"]

    code, display = DOCUMENT_TYPES[kind]
    doc_type = {"coding": [{"system": LOINC, "code": code, "display": display}]}
    document_id = uuid.UUID(document["id"])
    composition_ident = uuid_identifier(document_id)
    sections = (_minutes_sections(document, conditions) if is_minutes
                else _summary_sections(document, conditions)) + _chat_section(document)
    composition: dict[str, Any] = {
        "resourceType": "Composition",
        "identifier": composition_ident,
        "status": "final" if document["version"] == 1 else "amended",
        "type": doc_type,
        "subject": {"reference": refs["patient"]},
        "encounter": {"reference": refs["encounter"]},
        "date": signed_at,
        "author": [{"reference": refs["author"]}],
        "title": f"{document['title']} (phiên bản {document['version']})",
        "confidentiality": "R",
        "attester": [{"mode": "legal", "time": signed_at, "party": {"reference": refs["author"]}}],
        "custodian": {"reference": refs["provider"]},
        "section": sections,
    }
    pdf_ident = uuid_identifier(derived_id("pdf", document["id"]))
    reference: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "identifier": [pdf_ident],
        "status": "current",
        "docStatus": composition["status"],
        "type": doc_type,
        "subject": {"reference": refs["patient"]},
        "date": signed_at,
        "author": [{"reference": refs["author"]}],
        "authenticator": {"reference": refs["author"]},
        "custodian": {"reference": refs["provider"]},
        "description": composition["title"],
        "content": [{"attachment": {
            "contentType": "application/pdf",
            "language": "vi",
            "data": base64.b64encode(pdf).decode("ascii"),
            "size": len(pdf),
            # FHIR R4 Attachment.hash is the base64 SHA-1 of the data.
            "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
            "title": f"{document['title']}.pdf",
            "creation": signed_at,
        }}],
        "context": {"encounter": [{"reference": refs["encounter"]}],
                    "period": {k: v for k, v in document["period"].items() if v}},
    }
    if document["replaces"]:
        previous = document["replaces"]
        composition["relatesTo"] = [{"code": "replaces",
                                     "targetIdentifier": uuid_identifier(uuid.UUID(previous))}]
        reference["relatesTo"] = [{"code": "replaces", "target": {
            "identifier": uuid_identifier(derived_id("pdf", previous))}}]
    refs["composition"] = b.add(composition, _by_identifier(composition_ident),
                                f"composition:{document['id']}")
    refs["pdf"] = b.add(reference, _by_identifier(pdf_ident), f"pdf:{document['id']}")
    tag = {"system": PROVENANCE_TAG_SYSTEM, "code": f"urn:uuid:{document['id']}"}
    provenance = {
        "resourceType": "Provenance",
        "meta": {"tag": [tag]},
        "target": [{"reference": refs["composition"]}, {"reference": refs["pdf"]}],
        "recorded": signed_at,
        "activity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                                 "code": "CREATE"}]},
        "agent": [{
            "type": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                "code": "author"}]},
            "who": {"reference": refs["author"]},
            "onBehalfOf": {"reference": refs["provider"]},
        }],
        "signature": [{
            "type": [SIGNATURE_TYPE],
            "when": signed_at,
            "who": {"reference": refs["author"]},
            "targetFormat": "application/json",
            "sigFormat": SIGNATURE_FORMAT,
            "data": signature_data(signature, public_key),
        }],
    }
    b.add(provenance, f"_tag={tag['system']}|{tag['code']}", f"provenance:{document['id']}")
    return {"resourceType": "Bundle", "type": "transaction", "entry": b.entries}

