"""The listing of all shares, with filters and revoke as a bulk action."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from .. import share_kinds
from ..models import Share
from . import roles
from .filter_choosers import client_filter, portal_filter
from .paginator import CountingPaginator

STATUS_CHOICES = [
    ("active", _("Active")),
    ("expired", _("Expired")),
    ("revoked", _("Revoked")),
    # Kept for the audit after the portal's deletion (rule 12), with copied names.
    ("portal_deleted", _("Portal deleted")),
]


def _sharers(request=None):
    return get_user_model().objects.filter(pk__in=Share.objects.values("shared_by").distinct())


class ShareFilterSet(WagtailFilterSet):
    client = client_filter("portal__client")
    portal = portal_filter(label=_("Portal"))
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Share.Kind.choices, method="filter_kind"
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status"
    )
    shared_by = django_filters.ModelChoiceFilter(label=_("Shared by"), queryset=_sharers)
    shared_at = django_filters.DateFromToRangeFilter(
        label=_("Shared at"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Share
        fields = []

    def filter_kind(self, queryset, name, value):
        return queryset.of_kind(value) if value else queryset

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == "active":
            return queryset.active(now)
        if value == "revoked":
            return queryset.revoked()
        if value == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if value == "portal_deleted":
            return queryset.of_deleted_portals()
        return queryset


class ShareIndexView(IndexView):
    paginator_class = CountingPaginator


class SharedByColumn(Column):
    """The sharer's name, as every other screen shows it; the login only without one."""

    def get_value(self, instance):
        user = instance.shared_by
        return (user.get_full_name() or str(user)) if user else "—"


class ShareViewSet(SnippetViewSet):
    model = Share
    index_view_class = ShareIndexView
    icon = "link"
    menu_label = _("Shares")
    menu_name = "clientportal_shares"
    url_prefix = "clientportal/shares"
    admin_url_namespace = "clientportal_shares"
    add_to_admin_menu = False  # an entry of the "Panel klienta" group (staff/menu.py)
    filterset_class = ShareFilterSet
    copy_view_enabled = False
    inspect_view_enabled = False
    list_per_page = 50
    list_display = [
        Column("target", label=_("Title")),
        Column("kind_label", accessor="get_kind_display", label=_("Kind")),
        Column("portal_label", label=_("Client portal")),
        Column("client_label", label=_("Client")),
        SharedByColumn("shared_by", label=_("Shared by")),
        "shared_at",
        "expires_at",
        "revoked_at",
        Column("revoked_by", label=_("Revoked by")),
    ]
    # Shares change only through the services: no create or edit form.
    form_fields = []

    def get_permissions_to_register(self):
        return roles.package_permissions("share_items")

    def get_queryset(self, request):
        return Share.objects.select_related(
            "portal__client",
            *share_kinds.RELATED,
            "shared_by",
            "revoked_by",
        )
