"""Wagtail hooks for files sent by clients: the audit-log actions of ``services.uploads``."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from ..services import uploads


@hooks.register("register_log_actions")
def register_upload_actions(actions):
    actions.register_action(
        uploads.LOG_RECEIVED, _("Files received from a client"), _("Files received")
    )
    actions.register_action(uploads.LOG_SCANNED, _("Sent file scanned"), _("Sent file scanned"))
    actions.register_action(
        uploads.LOG_HANDLED, _("Sent files marked handled"), _("Marked handled")
    )
    actions.register_action(
        uploads.LOG_TO_DOCUMENT, _("Sent file turned into a document"), _("Turned into a document")
    )
    actions.register_action(
        uploads.LOG_STAFF_DOWNLOAD, _("Sent file downloaded by staff"), _("Downloaded by staff")
    )
