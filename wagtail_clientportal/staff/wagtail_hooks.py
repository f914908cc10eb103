"""Wagtail hooks of the staff side: viewsets, menu items, bulk actions, permission policies."""

from django.urls import include, path
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from . import roles, urls
from .bulk_actions import (
    RevokeDocumentsBulkAction,
    RevokeInvoicesBulkAction,
    RevokeSharesBulkAction,
    ShareDocumentsBulkAction,
    ShareInvoicesBulkAction,
)
from .clients import client_viewset
from .invoices import InvoiceViewSet
from .notifications import NotificationViewSet, ResendNotificationsBulkAction
from .shares import ShareViewSet

roles.register_policies()
register_snippet(InvoiceViewSet)
register_snippet(ShareViewSet)
register_snippet(NotificationViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [client_viewset]


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("clientportal/", include(urls, namespace="clientportal_staff"))]


hooks.register("register_bulk_action", ShareDocumentsBulkAction)
hooks.register("register_bulk_action", RevokeDocumentsBulkAction)
hooks.register("register_bulk_action", ShareInvoicesBulkAction)
hooks.register("register_bulk_action", RevokeInvoicesBulkAction)
hooks.register("register_bulk_action", RevokeSharesBulkAction)
hooks.register("register_bulk_action", ResendNotificationsBulkAction)
