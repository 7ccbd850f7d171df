"""Alembic migrations (run with `telehealth migrate`)."""
