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
``clientportal_construct_notification(notification, message)``
    At delivery, after the email is rendered and before it is sent; outside the
    sharing transaction. ``notification`` is a ``models.Notification`` (``kind``,
    ``recipient``, ``user``, ``portal_user``, ``portal``, ``context``);
    ``message`` is the ``EmailMultiAlternatives`` about to be sent. Change it in
    place (subject, body, headers, ``reply_to``, alternatives), or return another
    ``EmailMessage`` to send instead. Example::

        @hooks.register("clientportal_construct_notification")
        def add_reply_to(notification, message):
            message.reply_to = ["sekretariat@kancelaria.pl"]

``clientportal_send_notification(notification, message)``
    At delivery, after every construct hook. Return a true value to say the hook
    delivered the notification itself (e.g. as an SMS): no email is sent and the
    notification is marked sent; a string returned is kept as its provider
    message id. Raising counts as a failed attempt (retried with backoff).
    Return None/False to leave the email to the package.
``clientportal_after_delivery(event)``
    After a delivery record (``models.DeliveryEvent``: a download, an in-place view
    or a receipt confirmation) is committed; outside any request transaction. Use it
    to copy the evidence elsewhere (a document management system, a WORM archive).
``clientportal_before_receipt_confirmation(portal_user, share)``
    Before a client's confirmation of receipt is written. Return a non-empty string
    to refuse it; the string is shown to the client.
``clientportal_scan_upload(uploaded_file)``
    After a client's sending is committed, once per file (``models.UploadedFile``;
    read it with ``uploaded_file.file.open("rb")``). Return ``None`` or ``True`` when
    nothing was found, or a string naming what was found (the file is marked
    infected, the string kept as the detail); raising marks the scan failed. Until a
    scanner says clean, staff see the file as not checked ("niesprawdzony") and can
    only save it, never open it in the browser. A slow scanner may return ``None``
    after enqueueing its own task, which calls
    ``services.uploads.record_scan(uploaded_file, "clean" | "infected", detail)``.
    See README, "Files from clients", for ClamAV's ``clamd``.
"""

from __future__ import annotations

from wagtail import hooks

BEFORE_SHARE = "clientportal_before_share"
AFTER_SHARE = "clientportal_after_share"
AFTER_REVOKE = "clientportal_after_revoke"
AFTER_PORTAL_DELETE = "clientportal_after_portal_delete"
AFTER_USER_CREATED = "clientportal_after_user_created"
CONSTRUCT_NOTIFICATION = "clientportal_construct_notification"
SEND_NOTIFICATION = "clientportal_send_notification"
AFTER_DELIVERY = "clientportal_after_delivery"
BEFORE_RECEIPT_CONFIRMATION = "clientportal_before_receipt_confirmation"
SCAN_UPLOAD = "clientportal_scan_upload"


def get(name: str) -> list:
    return list(hooks.get_hooks(name))


def run(name: str, **kwargs) -> list:
    return [fn(**kwargs) for fn in hooks.get_hooks(name)]
