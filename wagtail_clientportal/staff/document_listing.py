"""Wagtail's documents listing with a "Udostępniono" column and filter.

Wagtail 8 has no hook for the documents listing's columns or filters, so the
package serves the same URLs (``/admin/documents/`` and its results fragment) with
a subclass of Wagtail's own view, registered before Wagtail's (``order=-1``): every
name (``wagtaildocs:index``), template and bulk action stays Wagtail's. The count is
one correlated subquery in the listing's query: no query per row.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.documents.views import documents

from ..models import Share
from .filter_choosers import portal_filter


def _active_shares_of_document():
    return Share.objects.active().filter(
        Q(document=OuterRef("pk")) | Q(document_version__document=OuterRef("pk"))
    )


def shared_portal_count():
    """On how many portals the document (or a pinned version of it) is shared now."""
    counted = (
        _active_shares_of_document()
        .order_by()
        .annotate(
            n=Func(F("portal"), function="COUNT", template="%(function)s(DISTINCT %(expressions)s)")
        )
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class SharedDocumentsFilterSet(documents.DocumentsFilterSet):
    shared = django_filters.ChoiceFilter(
        label=_("Shared on client portals"),
        choices=[("yes", _("Shared")), ("no", _("Not shared"))],
        method="filter_shared",
        empty_label=_("Any"),
    )
    shared_portal = portal_filter(label=_("Shared on the portal"), method="filter_shared_portal")

    class Meta(documents.DocumentsFilterSet.Meta):
        pass

    def filter_shared(self, queryset, name, value):
        shared = Exists(_active_shares_of_document())
        if value == "yes":
            return queryset.filter(shared)
        if value == "no":
            return queryset.exclude(shared)
        return queryset

    def filter_shared_portal(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Exists(_active_shares_of_document().filter(portal=value)))


class SharedColumn(Column):
    def get_value(self, instance):
        return getattr(instance, "shared_portals", 0) or "—"


class DocumentIndexView(documents.IndexView):
    filterset_class = SharedDocumentsFilterSet

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if self.ordering in ("shared_portals", "-shared_portals"):
            # Sorting by the column needs it on every row (as Wagtail's usage count).
            queryset = queryset.annotate(shared_portals=shared_portal_count())
        return queryset

    def decorate_paginated_queryset(self, object_list):
        """The column for the page's documents only, in one grouped query: a subquery on
        every row made the listing 6× slower at 5,000 clients (Wagtail counts usage the
        same way, wagtail#13561)."""
        object_list = super().decorate_paginated_queryset(object_list)
        if self.ordering in ("shared_portals", "-shared_portals"):
            return object_list
        ids = [document.pk for document in object_list]
        counts = dict(
            Share.objects.active()
            .filter(Q(document__in=ids) | Q(document_version__document__in=ids))
            .annotate(of=Coalesce("document_id", "document_version__document_id"))
            .values("of")
            .annotate(n=Count("portal", distinct=True))
            .values_list("of", "n")
            .order_by()
        )
        for document in object_list:
            document.shared_portals = counts.get(document.pk, 0)
        return object_list

    @cached_property
    def columns(self):
        columns = list(super().columns)
        columns.insert(
            -1, SharedColumn("shared_portals", label=_("Shared"), sort_key="shared_portals")
        )
        return columns


def urlpatterns():
    return [
        path("documents/", DocumentIndexView.as_view(), name="clientportal_documents_index"),
        path(
            "documents/results/",
            DocumentIndexView.as_view(results_only=True),
            name="clientportal_documents_index_results",
        ),
    ]
