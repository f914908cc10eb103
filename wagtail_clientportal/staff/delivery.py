"""Delivery and receipt per share × portal user on the staff pages, and its CSV export."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from ..services import delivery_status

CONFIRMED_FILTER = [
    ("", _("Everyone")),
    ("yes", _("Confirmed receipt")),
    ("no", _("Not confirmed yet")),
]


class DeliveryStatusMixin:
    """Adds ``delivery`` rows to the page; ``?export=csv`` returns them as a CSV file.

    The view provides ``delivery_shares()`` (all shares in scope, their targets loaded)
    and ``delivery_export_name``.
    """

    delivery_export_name = "delivery"

    def delivery_shares(self):
        raise NotImplementedError

    def delivery_filter(self) -> str:
        value = self.request.GET.get("confirmed", "")
        return value if value in ("yes", "no") else ""

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "csv":
            return self.delivery_csv()
        return super().get(request, *args, **kwargs)

    def delivery_csv(self):
        shares = list(self.delivery_shares())
        titles = {share.pk: str(share.target) for share in shares}
        statuses = delivery_status.for_shares(shares, confirmed=self.delivery_filter())
        out = io.StringIO()
        delivery_status.write_csv(out, statuses, titles)
        # A BOM so spreadsheet programs read the Polish letters as UTF-8.
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.delivery_export_name}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response

    def delivery_context(self, shares) -> dict:
        shares = list(shares)
        titles = {share.pk: share for share in shares}
        rows = delivery_status.for_shares(shares, confirmed=self.delivery_filter())
        for row in rows:
            row.share = titles[row.share_id]
        return {
            "delivery": rows,
            "delivery_filter": self.delivery_filter(),
            "delivery_filter_choices": CONFIRMED_FILTER,
        }
