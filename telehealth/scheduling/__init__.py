"""Scheduling: weekly rules and exceptions materialised into slots; the clinician agenda."""
