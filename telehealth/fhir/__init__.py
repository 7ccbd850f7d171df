"""FHIR R4 write-back to the health record platform: client, OAuth2, validation, identifiers."""
