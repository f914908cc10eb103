"""The package's own Wagtail hooks.

Register with ``@wagtail.hooks.register(NAME)`` in a host's ``wagtail_hooks.py``.
Every hook is called with keyword arguments only, so new arguments can be added
without breaking a host. Hooks marked "inside the transaction" run before the
commit: raising rolls the whole action back.

``clientportal_before_share(actor, portals, items)``
    Called before anything is written. Return a non-empty string to refuse the
    share; the string is shown to the staff member.
``clientportal_after_share(actor, result)``
    Inside the transaction; ``result`` is a ``services.ShareResult``.
``clientportal_after_revoke(actor, shares)``
    Inside the transaction; ``shares`` are the rows just revoked.
``clientportal_after_portal_delete(actor, result)``
    Inside the transaction; ``result`` is a ``services.PortalDeletion``.
``clientportal_after_user_created(actor, portal_user, created_login)``
    Inside the transaction; ``created_login`` tells whether a new Django user
    was made (False when the person already had a login, e.g. at another client).
"""

from __future__ import annotations

from wagtail import hooks

BEFORE_SHARE = "clientportal_before_share"
AFTER_SHARE = "clientportal_after_share"
AFTER_REVOKE = "clientportal_after_revoke"
AFTER_PORTAL_DELETE = "clientportal_after_portal_delete"
AFTER_USER_CREATED = "clientportal_after_user_created"


def run(name: str, **kwargs) -> list:
    return [fn(**kwargs) for fn in hooks.get_hooks(name)]
