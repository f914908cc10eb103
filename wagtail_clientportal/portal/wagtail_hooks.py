"""Wagtail hooks of the client-facing side (document serving, admin access)."""
