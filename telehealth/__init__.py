"""VTelehealth platform core: domains, API and the app factory."""
