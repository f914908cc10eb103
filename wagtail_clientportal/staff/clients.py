"""The "Klienci" admin area: client listing, client data, and the client card's tabs."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import Client, Portal, PortalUser
from .card import client_tabs
from .counts import count_of
from .paginator import CountingPaginator


class ClientFilterSet(WagtailFilterSet):
    is_active = django_filters.BooleanFilter(label=_("Active"))
    has_portals = django_filters.BooleanFilter(label=_("Has portals"), method="filter_has_portals")

    class Meta:
        model = Client
        fields = ["is_active", "kind"]

    def filter_has_portals(self, queryset, name, value):
        if value is None:
            return queryset
        has = Exists(Portal.objects.filter(client=OuterRef("pk")))
        return queryset.filter(has) if value else queryset.exclude(has)


class ClientIndexView(generic.IndexView):
    paginator_class = CountingPaginator

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                portal_count=count_of(Portal.objects.all(), "client"),
                user_count=count_of(PortalUser.objects.all(), "client"),
            )
        )

    def get_edit_url(self, instance):
        # Staff who may not edit client data still open the client card by its name.
        return super().get_edit_url(instance) or reverse(
            "clientportal_portals:client", args=[instance.pk]
        )

    def get_list_more_buttons(self, instance):
        card_url = reverse("clientportal_portals:client", args=[instance.pk])
        inherited = [
            button
            for button in super().get_list_more_buttons(instance)
            if self.user_has_permission("change") or button.url != card_url
        ]
        return [
            *inherited,
            MenuItem(
                _("Client portal"), url=card_url, icon_name="folder-open-inverse", priority=20
            ),
            MenuItem(
                _("Portal users"),
                url=reverse("clientportal_portal_users:client", args=[instance.pk]),
                icon_name="group",
                priority=21,
            ),
        ]

    @cached_property
    def add_item_label(self):
        return _("Add client")


class ClientCreateView(generic.CreateView):
    """ "Nowy klient": Wagtail's "New: <verbose name>" does not agree in gender."""

    page_title = _("New client")

    def get_page_subtitle(self):
        return ""


class ClientEditView(generic.EditView):
    """The card's "Dane klienta" tab: Wagtail's edit view under the card's header and tabs."""

    template_name = "wagtail_clientportal/staff/client_edit.html"
    header_icon = "group"

    def get_page_title(self):
        return str(self.object)

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(tabs=client_tabs(self.request.user, self.object), active_tab="data")
        return context


class ClientDeleteView(generic.DeleteView):
    """A client with portals, portal users or invoices stays (PROTECT): say so, no 500."""

    def is_protected(self) -> bool:
        client = self.object
        return client.portals.exists() or client.portal_users.exists() or client.invoices.exists()

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.is_protected():
            messages.error(
                request,
                _(
                    "This client still has portals, portal users or invoices and cannot be "
                    "deleted. Mark the client as inactive instead."
                ),
            )
            return redirect("clientportal_clients:edit", self.object.pk)
        return super().post(request, *args, **kwargs)


class ClientViewSet(ModelViewSet):
    model = Client
    name = "clientportal_clients"
    url_prefix = "clientportal/clients"
    icon = "group"
    menu_label = _("Clients")
    add_to_admin_menu = False  # an entry of the "Panel klienta" group (staff/menu.py)
    index_view_class = ClientIndexView
    add_view_class = ClientCreateView
    edit_view_class = ClientEditView
    delete_view_class = ClientDeleteView
    filterset_class = ClientFilterSet
    search_fields = ["name", "nip", "regon", "email"]
    search_backend_name = None
    list_display = [
        "name",
        "kind",
        "nip",
        BooleanColumn("is_active", label=_("Active")),
        Column("portal_count", label=_("Portals")),
        Column("user_count", label=_("Portal users")),
    ]
    form_fields = [
        "name",
        "kind",
        "nip",
        "regon",
        "pesel",
        "email",
        "phone",
        "address",
        "notes",
        "contact_person",
        "is_active",
    ]
    copy_view_enabled = False
    inspect_view_enabled = False


client_viewset = ClientViewSet()
