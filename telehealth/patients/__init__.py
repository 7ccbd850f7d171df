"""Patients: identity, demographics and consents."""
