"""Wiring into Wagtail only; each side registers its own hooks in its own module."""

from .portal import wagtail_hooks as _portal_hooks  # noqa: F401
from .staff import upload_hooks as _upload_hooks  # noqa: F401
from .staff import wagtail_hooks as _staff_hooks  # noqa: F401
