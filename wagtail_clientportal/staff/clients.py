"""The "Klienci" admin area: client listing, client data, and the client card's tabs."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import Client, Portal, PortalUser
from .counts import count_of


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
            "clientportal_staff:client_portals", args=[instance.pk]
        )

    def get_list_more_buttons(self, instance):
        card_url = reverse("clientportal_staff:client_portals", args=[instance.pk])
        inherited = [
            button
            for button in super().get_list_more_buttons(instance)
            if self.user_has_permission("change") or button.url != card_url
        ]
        return [
            *inherited,
            MenuItem(
                _("Client portal"),
                url=reverse("clientportal_staff:client_portals", args=[instance.pk]),
                icon_name="folder-open-inverse",
                priority=20,
            ),
            MenuItem(
                _("Portal users"),
                url=reverse("clientportal_staff:client_users", args=[instance.pk]),
                icon_name="group",
                priority=21,
            ),
        ]


class ClientEditView(generic.EditView):
    template_name = "wagtail_clientportal/staff/client_edit.html"

    def get_context_data(self, **kwargs):
        from .base import card_tabs

        context = super().get_context_data(**kwargs)
        context.update(tabs=card_tabs(self.object), active_tab="data")
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
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = ClientIndexView
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
