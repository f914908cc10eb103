"""A secure client portal ("Panel klienta") for law firms running Wagtail."""

__version__ = "0.1.0"
