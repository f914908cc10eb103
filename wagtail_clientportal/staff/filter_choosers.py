"""Wagtail choosers for the client and portal filters of every staff listing.

A firm with 5,000 clients cannot pick one from a ``<select>`` rendered with every
client (or every portal) on every listing page: the all-shares listing took 25×
longer at 5,000 clients than at 10. Wagtail's ``ChooserViewSet`` gives a modal with
search and pagination, and its widget renders only the chosen row; django-filter's
``ModelChoiceFilter`` validates the submitted id with one query.

The portal filter is the share dialog's chooser (``portal_chooser``) in single-choice
mode, open to all of the package's staff (the share dialog's asks for ``share_items``).
``Client`` is not in Wagtail's search index, so its modal searches with a form of its
own over the columns staff know a client by, as the client listing does.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from ..models import Client, Portal
from . import roles
from .base import Refuse403Mixin
from .ids import clean_ids
from .portal_chooser import (
    ChoosePortalResultsView,
    ChoosePortalView,
    ChosenPortalView,
    PortalChooserViewSet,
)

# Invoices are snippets: staff who keep them without portal work filter them by client.
_CLIENT_DATA_PERMS = (
    "wagtail_clientportal.view_client",
    "wagtail_clientportal.change_client",
    "wagtail_clientportal.view_invoice",
    "wagtail_clientportal.change_invoice",
)


class SafeChooser(BaseChooser):
    """Wagtail's chooser widget, which a filter renders with whatever the URL says: an id
    that is not a number (``?client=abc``) shows an empty choice instead of a 500."""

    def get_instance(self, value):
        try:
            return super().get_instance(value)
        except (ValueError, TypeError, ValidationError):
            return None


class ClientSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, NIP, REGON or email")}),
    )

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            objects = objects.filter(
                Q(name__icontains=query)
                | Q(nip__icontains=query)
                | Q(regon__icontains=query)
                | Q(email__icontains=query)
            )
        return objects


class _ClientAccess(Refuse403Mixin):
    def check_access(self, request) -> None:
        user = request.user
        if roles.is_portal_staff(user):
            return
        if not roles.has(user, roles.ACCESS_ADMIN) or not any(
            roles.has(user, perm) for perm in _CLIENT_DATA_PERMS
        ):
            raise PermissionDenied


class _ClientList:
    filter_form_class = ClientSearchForm
    ordering = ("name", "pk")


class ChooseClientView(_ClientAccess, _ClientList, chooser_views.ChooseView):
    pass


class ChooseClientResultsView(_ClientAccess, _ClientList, chooser_views.ChooseResultsView):
    pass


class ChosenClientView(_ClientAccess, chooser_views.ChosenView):
    def get_object(self, pk):
        # The URL takes any text: "abc" is "no such client" (a 404), not a 500.
        [pk] = clean_ids([pk]) or [0]
        return Client.objects.get(pk=pk)


class ClientChooserViewSet(ChooserViewSet):
    model = Client
    icon = "group"
    choose_one_text = _("Choose a client")
    choose_another_text = _("Choose another client")
    per_page = 20
    base_widget_class = SafeChooser
    register_widget = False
    choose_view_class = ChooseClientView
    choose_results_view_class = ChooseClientResultsView
    chosen_view_class = ChosenClientView
    # Clients are created on their own page, with their data: not from a filter.
    creation_form_class = None

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name != "create"]


class _PortalStaffAccess:
    def check_access(self, request) -> None:
        roles.require_portal_staff(request.user)


class FilterChoosePortalView(_PortalStaffAccess, ChoosePortalView):
    pass


class FilterChoosePortalResultsView(_PortalStaffAccess, ChoosePortalResultsView):
    pass


class FilterChosenPortalView(_PortalStaffAccess, ChosenPortalView):
    pass


class PortalFilterChooserViewSet(PortalChooserViewSet):
    name = "clientportal_portal_filter_chooser"
    url_prefix = "clientportal/portal-filter-chooser"
    choose_one_text = _("Choose a client portal")
    choose_another_text = _("Choose another client portal")
    base_widget_class = SafeChooser
    choose_view_class = FilterChoosePortalView
    choose_results_view_class = FilterChoosePortalResultsView
    chosen_view_class = FilterChosenPortalView


client_chooser_viewset = ClientChooserViewSet("clientportal_client_chooser")
portal_filter_chooser_viewset = PortalFilterChooserViewSet()
FILTER_CHOOSERS = (client_chooser_viewset, portal_filter_chooser_viewset)


def _filter(viewset, queryset, field_name, label, **extra):
    return django_filters.ModelChoiceFilter(
        label=label,
        field_name=field_name,
        queryset=queryset,
        widget=viewset.widget_class(),
        **extra,
    )


def client_filter(field_name: str = "client"):
    """The client filter of a staff listing: the chooser's widget, not every client."""
    return _filter(client_chooser_viewset, Client.objects.all(), field_name, _("Client"))


def portal_filter(field_name: str = "portal", label=None, **extra):
    """The portal filter of a staff listing: the chooser's widget, not every portal."""
    queryset = Portal.objects.select_related("client")
    label = label or _("Client portal")
    return _filter(portal_filter_chooser_viewset, queryset, field_name, label, **extra)
