"""Wagtail hooks of the staff side: the menu group of viewsets, extra URLs, bulk actions."""

from django.urls import include, path
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from . import document_listing, urls
from .bulk_actions import (
    RevokeDocumentsBulkAction,
    RevokeInvoicesBulkAction,
    RevokeSharesBulkAction,
    ShareDocumentsBulkAction,
    ShareInvoicesBulkAction,
)
from .dashboard import add_panel
from .filter_choosers import FILTER_CHOOSERS
from .menu import ClientPortalGroup
from .notifications import ResendNotificationsBulkAction
from .portal_user_actions import PORTAL_USER_BULK_ACTIONS

register_snippet(ClientPortalGroup)
for chooser in FILTER_CHOOSERS:
    hooks.register("register_admin_viewset", lambda chooser=chooser: chooser)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("clientportal/", include(urls, namespace="clientportal_staff"))]


for action in (
    ShareDocumentsBulkAction,
    RevokeDocumentsBulkAction,
    ShareInvoicesBulkAction,
    RevokeInvoicesBulkAction,
    RevokeSharesBulkAction,
    ResendNotificationsBulkAction,
    *PORTAL_USER_BULK_ACTIONS,
):
    hooks.register("register_bulk_action", action)

hooks.register("construct_homepage_panels", add_panel)

# Before Wagtail's own "documents/" URLs, so its listing is served with the share column.
hooks.register("register_admin_urls", document_listing.urlpatterns, order=-1)
