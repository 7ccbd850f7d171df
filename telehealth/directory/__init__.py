"""The public directory: facilities, specialties and bookable practitioners (no patient data)."""
