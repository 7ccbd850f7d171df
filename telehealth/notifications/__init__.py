"""Notifications: the in-app inbox, live delivery over the bus, and optional email."""
