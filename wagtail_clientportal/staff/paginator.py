"""Listing counts with the language's plural forms ("8 udostępnień", "2 klientów").

Wagtail's ``WagtailPaginator.items_count_label`` joins the number to ``verbose_name`` for
one and ``verbose_name_plural`` for any other count; Polish needs a third form (5+), so
the package's listings count through ``ngettext`` instead.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from django.utils.translation import ngettext_lazy
from wagtail.admin.paginator import WagtailPaginator

from ..models import Client, Invoice, Notification, Portal, PortalUser, Share

COUNT_LABELS = {
    Client: ngettext_lazy("%(count)d client", "%(count)d clients", "count"),
    Portal: ngettext_lazy("%(count)d client portal", "%(count)d client portals", "count"),
    PortalUser: ngettext_lazy("%(count)d portal user", "%(count)d portal users", "count"),
    Invoice: ngettext_lazy("%(count)d invoice", "%(count)d invoices", "count"),
    Share: ngettext_lazy("%(count)d share", "%(count)d shares", "count"),
    Notification: ngettext_lazy("%(count)d notification", "%(count)d notifications", "count"),
}


class CountingPaginator(WagtailPaginator):
    @cached_property
    def items_count_label(self):
        label = COUNT_LABELS.get(self.model)
        if label is None:
            return super().items_count_label
        return label % {"count": self.count}
