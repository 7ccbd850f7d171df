"""Regulators (Sở Y tế, Bộ Y tế): audit search, consultation register and periodic reports."""
