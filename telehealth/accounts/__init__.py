"""Accounts: users, roles, login, web sessions and API tokens."""
