"""Wagtail hooks of the staff side: viewsets, menu items, bulk actions, permission policies."""
