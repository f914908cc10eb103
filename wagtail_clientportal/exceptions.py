"""One exception tree for the package.

Each class also inherits the Django exception it means, so a view that lets one
escape gets the right status from Django (PermissionDenied -> 403,
ValidationError handled by forms) instead of a 500. Messages come from
``ERRORS`` by stable code; tests assert the code, users read the translation.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

ERRORS = {
    "permission_denied": _("You do not have permission to do this."),
    "portal_of_other_client": _("The portal belongs to another client."),
    "item_of_other_client": _("“%(item)s” belongs to another client than portal “%(portal)s”."),
    "unknown_target": _("This kind of item cannot be shared."),
    "nothing_selected": _("Select at least one item and one portal."),
    "already_revoked": _("This share has already been revoked."),
    "portal_name_taken": _("This client already has a portal with this name."),
    "portal_name_required": _("Enter the portal's name."),
    "portal_gone": _("This portal no longer exists."),
    "portal_user_gone": _("This portal user was deleted meanwhile."),
    "portal_user_exists": _("This person is already a portal user of this client."),
    "portals_required": _("Choose at least one portal."),
    "email_required": _("Enter an email address."),
    "document_has_no_file": _("The document has no file to copy."),
    "share_refused": _("The share was refused."),
    "already_activated": _("This portal user has already activated the account."),
    "message_too_long": _("The message is too long (at most %(max)d characters)."),
    "not_resendable": _("Only failed notifications can be sent again (never a login code)."),
    "receipt_needs_post": _("Receipt is confirmed with the button on the item's page."),
    "receipt_not_requested": _("No confirmation of receipt is asked for this item."),
    "receipt_already_confirmed": _("You have already confirmed receipt of this item."),
    "receipt_refused": _("The confirmation was refused."),
    "receipt_no_access": _("Your access to this portal has ended; receipt cannot be confirmed."),
    "upload_no_access": _("Files cannot be sent: access to this portal has ended."),
    "uploads_disabled": _("This portal does not accept files."),
    "upload_files_refused": _("Nothing was sent: some files were refused."),
    "upload_not_clean": _("A file the scanner refused cannot become a document."),
    "live_and_version": _(
        "A document and a pinned version of it cannot both be shared on one portal: "
        "revoke one first."
    ),
    "erase_staff_login": _(
        "This person also has a staff login of the firm: it cannot be erased from here."
    ),
    "portal_legal_hold": _("The portal is under a legal hold: it cannot be deleted."),
    "two_versions_of_document": _("Choose one version of each document."),
    "newer_version_shared": _(
        "A newer version of “%(item)s” is already shared on this portal: revoke it first."
    ),
    "notification_preference_invalid": _("Choose how to be told about new items."),
    "zip_nothing_selected": _("Select at least one item to download."),
    "zip_too_many": _(
        "The section holds more items than one archive may. Please tick the items you "
        "need (at most 500) and download them together."
    ),
    "zip_not_available": _(
        "Some of the selected items are not available on this portal (withdrawn, expired "
        "or never shared here). Nothing was downloaded."
    ),
}


class ClientPortalError(Exception):
    """Base of the package's errors; ``code`` is stable, ``message`` is translated."""

    def __init__(self, code: str, message=None, **params):
        self.code = code
        self.params = params
        text = message if message is not None else ERRORS[code]
        self.message = text % params if params else text
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class ClientPortalPermissionDenied(ClientPortalError, PermissionDenied):
    def __init__(self, code: str = "permission_denied", message=None, **params):
        super().__init__(code, message, **params)


class ClientPortalValidationError(ClientPortalError, ValidationError):
    """Bad input to a service: nothing was written."""

    def __init__(self, code: str, message=None, **params):
        ClientPortalError.__init__(self, code, message, **params)
        ValidationError.__init__(self, self.message, code=code)

    def __str__(self) -> str:
        return str(self.message)
