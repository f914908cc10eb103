"""One "Panel klienta" menu group for every admin area of the package."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from .clients import client_viewset
from .invoices import InvoiceViewSet
from .notifications import NotificationViewSet
from .portal_users import portal_user_viewset
from .portals import portal_viewset
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
