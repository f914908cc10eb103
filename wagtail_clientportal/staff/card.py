"""The client card and the portal page: one header and one row of tabs over several views.

The card's tabs are separate admin views (client data is Wagtail's own edit view, the
portal users tab is the portal users' listing scoped to the client), so the tabs are
links styled with Wagtail's tab classes rather than the in-page ``w-tabs`` controller.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import Client, Portal
from . import roles


def client_tabs(user, client: Client) -> list[tuple]:
    """ "Dane klienta" (for those who may edit it), "Panel klienta", "Użytkownicy PK"."""
    from wagtail.permissions import policy_registry

    tabs = []
    if policy_registry.get_by_type(Client).user_has_permission(user, "change"):
        tabs.append(
            ("data", _("Client data"), reverse("clientportal_clients:edit", args=[client.pk]))
        )
    tabs.append(
        ("portals", _("Client portal"), reverse("clientportal_portals:client", args=[client.pk]))
    )
    tabs.append(
        (
            "users",
            _("Portal users"),
            reverse("clientportal_portal_users:client", args=[client.pk]),
        )
    )
    return tabs


def portal_tabs(portal: Portal) -> list[tuple]:
    """A portal's page: its shares, and its own "Użytkownicy PK"."""
    return [
        ("shares", _("Shares"), reverse("clientportal_portals:detail", args=[portal.pk])),
        (
            "users",
            _("Portal users"),
            reverse("clientportal_portal_users:portal", args=[portal.pk]),
        ),
    ]


class ClientCardMixin:
    """A tab of the client card: the client's name as the title, Klienci › client, tabs."""

    active_tab = ""
    header_icon = "group"

    def get_client(self) -> Client:
        if not hasattr(self, "client"):
            self.client = get_object_or_404(Client, pk=self.kwargs["client_pk"])
        return self.client

    def get_page_title(self):
        return str(self.get_client())

    def get_page_subtitle(self):
        return ""

    def get_header_title(self):
        return str(self.get_client())

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("clientportal_clients:index"), "label": _("Clients")},
            {"url": "", "label": str(self.get_client())},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            client=self.get_client(),
            tabs=client_tabs(user, self.get_client()),
            active_tab=self.active_tab,
            can_manage_portals=roles.has(user, roles.MANAGE_PORTALS),
            can_manage_users=roles.has(user, roles.MANAGE_PORTAL_USERS),
            can_share=roles.has(user, roles.SHARE_ITEMS),
        )
        return context


class PortalPageMixin(ClientCardMixin):
    """A tab of one portal's page: Klienci › client › portal, and the portal's tabs."""

    header_icon = "folder-open-inverse"

    def get_portal(self) -> Portal:
        if not hasattr(self, "portal"):
            self.portal = get_object_or_404(
                Portal.objects.select_related("client"), pk=self.kwargs["portal_pk"]
            )
            self.client = self.portal.client
        return self.portal

    def get_client(self) -> Client:
        return self.get_portal().client

    def get_page_title(self):
        return self.get_portal().name

    def get_header_title(self):
        return self.get_portal().name

    def get_breadcrumbs_items(self):
        client = self.get_client()
        return [
            *super().get_breadcrumbs_items()[:-1],
            {
                "url": reverse("clientportal_portals:client", args=[client.pk]),
                "label": str(client),
            },
            {"url": "", "label": self.get_portal().name},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(portal=self.get_portal(), tabs=portal_tabs(self.get_portal()))
        return context
