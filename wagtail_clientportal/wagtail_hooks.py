"""Wiring into Wagtail only; each side registers its own hooks in its own module."""

from wagtail import hooks

from .portal import wagtail_hooks as _portal_hooks  # noqa: F401
from .services import audit
from .staff import upload_hooks as _upload_hooks  # noqa: F401
from .staff import wagtail_hooks as _staff_hooks  # noqa: F401


@hooks.register("register_log_actions")
def register_log_actions(actions):
    """The package's actions in Wagtail's audit log (``services.audit``), labelled in Polish."""
    audit.register_actions(actions)
