"""One "Panel klienta" menu group for every admin area of the package."""

from __future__ import annotations

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from .clients import client_viewset
from .invoices import InvoiceViewSet
from .notifications import NotificationViewSet
from .portal_users import portal_user_viewset
from .portals import portal_viewset
from .roles import is_portal_staff
from .shares import ShareViewSet
from .uploads import upload_viewset


class ClientPortalGroup(SnippetViewSetGroup):
    """Snippet viewsets (invoices, shares, outbox) beside model viewsets, one submenu.

    A snippet group, because ``register_snippet`` must register the snippet models;
    the model viewsets in it register as they would through ``register_admin_viewset``.
    """

    menu_label = _("Client portal")
    menu_icon = "folder-open-inverse"
    menu_name = "clientportal"
    menu_order = 250
    items = (
        client_viewset,
        portal_viewset,
        portal_user_viewset,
        InvoiceViewSet,
        ShareViewSet,
        NotificationViewSet,
        upload_viewset,
    )

    def get_submenu_items(self):
        return [*super().get_submenu_items(), VerifyReceiptMenuItem(order=len(self.items) + 1)]


class VerifyReceiptMenuItem(MenuItem):
    """The page that checks a delivery receipt, for the same staff as the receipts."""

    def __init__(self, order: int):
        super().__init__(
            _("Verify a delivery receipt"),
            reverse_lazy("clientportal_staff:verify_receipt"),
            name="clientportal-verify-receipt",
            icon_name="success",
            order=order,
        )

    def is_shown(self, request):
        return is_portal_staff(request.user)
