"""Practitioners: a facility admin's management of clinician accounts and their profiles."""
