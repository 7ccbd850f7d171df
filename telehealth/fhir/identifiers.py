"""Identifier systems for the identifiers we send (CCCD, BHYT, facility code, CCHN, our UUIDs).

The URIs follow the naming systems of the HL7 Vietnam / VN Core FHIR community drafts
(`<base>/cccd`, `<base>/bhyt`, `<base>/ma-cskcb`, `<base>/cchn` under
`http://fhir.hl7.org.vn/core/sid`). Those drafts are not yet a national standard, so the
base is configuration (TELEHEALTH_FHIR_IDENTIFIER_BASE): a platform that registers other
URIs is matched by changing one setting, not code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from telehealth.config import Settings

# RFC 3986 URIs as identifier values: the FHIR-standard way to carry a UUID identifier.
URI_SYSTEM = "urn:ietf:rfc:3986"


@dataclass(frozen=True)
class IdentifierSystems:
    cccd: str  # Căn cước công dân: citizen identity number, 12 digits
    bhyt: str  # Bảo hiểm y tế: health insurance card number
    facility: str  # Mã cơ sở khám bệnh, chữa bệnh (CSKCB): 5 digits
    cchn: str  # Chứng chỉ hành nghề: practice certificate number

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentifierSystems:
        base = settings.fhir_identifier_base.rstrip("/")
        return cls(
            cccd=f"{base}/cccd",
            bhyt=f"{base}/bhyt",
            facility=f"{base}/ma-cskcb",
            cchn=f"{base}/cchn",
        )


def identifier(system: str, value: str) -> dict[str, str]:
    return {"system": system, "value": value}


def uuid_identifier(value: uuid.UUID) -> dict[str, str]:
    """Our own records (consultations, documents) are named by their UUIDs, globally unique."""
    return {"system": URI_SYSTEM, "value": f"urn:uuid:{value}"}


def search_token(ident: dict[str, str]) -> str:
    """`system|value`, the token form for `identifier=` searches and ifNoneExist."""
    return f"{ident['system']}|{ident['value']}"
