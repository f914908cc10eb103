"""The portal chooser: Wagtail's chooser modal for portals, searched and paged on the server.

The share dialog's "Panele klienta" field opens it with ``multiple`` (ticks, "Confirm
selection"): a firm with 5,000 clients × 3 portals is searched by client or portal name
and shown one page at a time, each portal with its number of portal users, so nothing
renders every portal. ``?client=<pk>`` starts it on one client (the dialog passes the
client of the selected items); the filter offers that client or all clients, never a
list of every client.

Only staff who may share reach it (a real 403 otherwise); the ids the dialog then POSTs
are checked again by the form and by ``services.share_items`` (permission, owner client).
"""

from __future__ import annotations

from functools import reduce
from operator import and_

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from ..models import Client, Portal, PortalUser
from . import roles
from .base import Refuse403Mixin
from .counts import count_of
from .ids import clean_ids
from .paginator import CountingPaginator


def portals_with_user_counts():
    """Portals with their client (one join) and ``user_count`` (a subquery per row shown)."""
    return Portal.objects.select_related("client").annotate(
        user_count=count_of(PortalUser.objects.all(), "portals")
    )


def users_label(count: int) -> str:
    return ngettext("%(count)d portal user", "%(count)d portal users", count) % {"count": count}


def search(portals, query: str):
    """Every word of ``query`` in the portal's or its client's name (any case)."""
    words = query.split()
    if not words:
        return portals
    return portals.filter(
        reduce(and_, [Q(name__icontains=w) | Q(client__name__icontains=w) for w in words])
    )


class PortalFilterForm(BaseFilterForm):
    """Search by name; the client filter offers the requested client and "all clients"."""

    q = forms.CharField(
        label=_("Search by client or portal name"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Client or portal name")}),
    )
    client = forms.TypedChoiceField(
        label=_("Client"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"data-chooser-modal-search-filter": True}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One row, not 5,000: the client asked for (if it exists) and "all clients".
        [pk] = clean_ids(self.data.getlist("client")[:1]) or [None]
        offered = Client.objects.filter(pk=pk).values_list("pk", "name") if pk else []
        self.fields["client"].choices = [("", _("All clients")), *offered]

    def filter(self, objects):
        objects = super().filter(objects)
        client_id = self.cleaned_data.get("client")
        if client_id:
            objects = objects.filter(client_id=client_id)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            objects = search(objects, query)
        return objects


class PortalChooserMixin(Refuse403Mixin):
    """Staff who may share; the portals with their client and user count."""

    ordering = ["client__name", "name", "pk"]
    filter_form_class = PortalFilterForm
    paginator_class = CountingPaginator  # "5 paneli klienta", not Wagtail's "5 panele"

    def check_access(self, request) -> None:
        roles.require_perm(request.user, roles.SHARE_ITEMS)

    def get_object_list(self):
        return portals_with_user_counts()

    @property
    def columns(self):
        return [
            self.title_column,
            Column("client", label=_("Client"), accessor="client"),
            Column("users", label=_("Portal users"), accessor=lambda p: users_label(p.user_count)),
        ]

    @property
    def title_column(self):
        # Wagtail's, labelled for portals: ticks when choosing several, links for one.
        if self.is_multiple_choice:
            return TitleColumn(
                "title",
                label=_("Client portal"),
                accessor="name",
                label_prefix="chooser-modal-select",
            )
        return TitleColumn(
            "title",
            label=_("Client portal"),
            accessor="name",
            get_url=lambda p: self.append_preserved_url_parameters(
                reverse(self.chosen_url_name, args=(p.pk,))
            ),
            link_attrs={"data-chooser-modal-choice": True},
        )


class PortalChosenMixin(Refuse403Mixin):
    """What the share dialog shows of a chosen portal: name, client, user count."""

    def check_access(self, request) -> None:
        roles.require_perm(request.user, roles.SHARE_ITEMS)

    def get_object(self, pk):
        [pk] = clean_ids([pk]) or [0]
        return portals_with_user_counts().get(pk=pk)

    def get_objects(self, pks):
        return (
            portals_with_user_counts()
            .filter(pk__in=clean_ids(pks))
            .order_by("client__name", "name", "pk")
        )

    def get_chosen_response_data(self, item):
        return {
            "id": str(item.pk),
            "title": item.name,
            "client": item.client.name,
            "users": users_label(item.user_count),
            "edit_url": "",
        }


class ChoosePortalView(PortalChooserMixin, chooser_views.ChooseView):
    pass


class ChoosePortalResultsView(PortalChooserMixin, chooser_views.ChooseResultsView):
    pass


class ChosenPortalView(PortalChosenMixin, chooser_views.ChosenView):
    pass


class ChosenPortalsView(PortalChosenMixin, chooser_views.ChosenMultipleView):
    pass


class PortalChooserViewSet(ChooserViewSet):
    model = Portal
    name = "clientportal_portal_chooser"
    url_prefix = "clientportal/portal-chooser"
    icon = "folder-open-inverse"
    choose_one_text = _("Choose client portals")
    per_page = 20
    # The share dialog has its own widget (several portals); FK fields keep theirs.
    register_widget = False
    choose_view_class = ChoosePortalView
    choose_results_view_class = ChoosePortalResultsView
    chosen_view_class = ChosenPortalView
    chosen_multiple_view_class = ChosenPortalsView

    def get_urlpatterns(self):
        # No "create" tab: portals are created on the client's card, by other staff.
        return [p for p in super().get_urlpatterns() if p.name != "create"]


portal_chooser_viewset = PortalChooserViewSet()
