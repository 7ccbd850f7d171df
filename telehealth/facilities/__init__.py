"""Facilities: a facility admin's settings (booking rules) and the specialties it offers."""
