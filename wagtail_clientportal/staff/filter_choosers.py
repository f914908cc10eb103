"""Wagtail choosers for the client and portal filters of every staff listing.

A firm with 5,000 clients cannot pick one from a ``<select>`` rendered with every
client (or every portal) on every listing page: the all-shares listing took 25×
longer at 5,000 clients than at 10. Wagtail's ``ChooserViewSet`` gives a modal with
search and pagination, and its widget renders only the chosen row; django-filter's
``ModelChoiceFilter`` validates the submitted id with one query.

Neither model is in Wagtail's search index, so the modal's search is a filter form
of its own over the columns staff know a client or a portal by.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from .. import permissions
from ..models import Client, Portal

# Anyone who works with portals, their users or shares filters listings by them.
_MAY_CHOOSE = (
    permissions.MANAGE_PORTALS,
    permissions.MANAGE_PORTAL_USERS,
    permissions.SHARE_ITEMS,
    "wagtail_clientportal.view_client",
    "wagtail_clientportal.change_client",
)


class _SearchForm(BaseFilterForm):
    """``q`` matched (``icontains``) against ``search_fields``, set by the subclass."""

    search_fields: tuple[str, ...] = ()
    q = forms.CharField(label=_("Search term"), required=False)

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            objects = objects.filter(
                reduce(or_, (Q(**{f"{field}__icontains": query}) for field in self.search_fields))
            )
        return objects


class _ChooserPermission:
    def dispatch(self, request, *args, **kwargs):
        if not any(request.user.has_perm(perm) for perm in _MAY_CHOOSE):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SafeChooser(BaseChooser):
    """Wagtail's chooser widget, which a filter renders with whatever the URL says: an id
    that is not a number (``?client=abc``) shows an empty choice instead of a 500."""

    def get_instance(self, value):
        try:
            return super().get_instance(value)
        except (ValueError, TypeError, ValidationError):
            return None


def _viewset(model, *, name, icon, search_fields, placeholder, ordering, queryset, texts):
    form = type(
        f"{model.__name__}SearchForm",
        (_SearchForm,),
        {
            "search_fields": search_fields,
            "q": forms.CharField(
                label=_("Search term"),
                required=False,
                widget=forms.TextInput(attrs={"placeholder": placeholder}),
            ),
        },
    )
    mixin = {"filter_form_class": form, "ordering": ordering}
    if queryset:
        mixin["get_object_list"] = lambda self: queryset()

    def view(base):
        return type(f"{model.__name__}{base.__name__}", (_ChooserPermission, base), mixin)

    viewset_class = type(
        f"{model.__name__}FilterChooserViewSet",
        (ChooserViewSet,),
        {
            "model": model,
            "icon": icon,
            "choose_one_text": texts[0],
            "choose_another_text": texts[1],
            "per_page": 20,
            "base_widget_class": SafeChooser,
            "choose_view_class": view(chooser_views.ChooseView),
            "choose_results_view_class": view(chooser_views.ChooseResultsView),
            "chosen_view_class": type(
                f"{model.__name__}ChosenView", (_ChooserPermission, chooser_views.ChosenView), {}
            ),
            # Clients and portals are created on their own pages, not from a filter.
            "creation_form_class": None,
        },
    )
    return viewset_class(name)


client_chooser_viewset = _viewset(
    Client,
    name="clientportal_client_chooser",
    icon="group",
    search_fields=("name", "nip", "regon", "email"),
    placeholder=_("Name, NIP, REGON or email"),
    ordering=("name", "pk"),
    queryset=None,
    texts=(_("Choose a client"), _("Choose another client")),
)
portal_chooser_viewset = _viewset(
    Portal,
    name="clientportal_portal_filter_chooser",
    icon="folder-open-inverse",
    search_fields=("name", "client__name", "client__nip"),
    placeholder=_("Portal or client name, NIP"),
    ordering=("client__name", "name", "pk"),
    # "Zarząd (Alfa Sp. z o.o.)": the title names the client (Portal.__str__).
    queryset=lambda: Portal.objects.select_related("client"),
    texts=(_("Choose a client portal"), _("Choose another client portal")),
)
FILTER_CHOOSERS = (client_chooser_viewset, portal_chooser_viewset)


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
    return _filter(portal_chooser_viewset, queryset, field_name, label, **extra)
