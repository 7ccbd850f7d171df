"""Attachment storage: files kept outside the database, under random keys, served only
through authorised endpoints."""
