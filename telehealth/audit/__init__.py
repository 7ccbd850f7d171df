"""Audit: every access to and change of patient data leaves an event."""
