"""The chosen portal: its documents and invoices, and one item's details."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from ... import conf, ksef, services
from ...models import AccessEvent
from ...payments import payment_details
from .. import listing
from ..access import PortalAccessMixin
from ..forms import PortalSearchForm


def _other_portals(user, current):
    return [
        (portal, membership.client)
        for membership in services.accessible_portal_users(user)
        for portal in membership.portals.all()
        if portal.pk != current.pk
    ]


class PortalHomeView(PortalAccessMixin):
    def get(self, request, portal_id):
        """Open on what is there: the first section that is not empty."""
        section = listing.first_section(listing.section_counts(self.shares, self.portal_user))
        return redirect("wagtail_clientportal:section", portal_id=portal_id, section=section)


class SectionView(PortalAccessMixin):
    template_name = "wagtail_clientportal/portal/portal.html"

    def get(self, request, portal_id, section):
        if section not in listing.SECTIONS:
            raise Http404
        kinds = listing.kinds_of(section)
        form = PortalSearchForm(kinds, request.GET)
        q = kind = ""
        if form.is_valid():
            q = form.cleaned_data["q"].strip()
            kind = form.cleaned_data["kind"]
        page_obj, rows = listing.page_of(
            self.shares,
            self.portal_user,
            section,
            q=q,
            kind=kind,
            per_page=conf.page_size(),
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            last=request.GET.get("page") == "last",
        )
        query = request.GET.copy()
        for name in ("page", "after", "before"):
            query.pop(name, None)
        context = {
            "portal": self.portal,
            "portal_user": self.portal_user,
            "section": section,
            "sections": listing.section_counts(self.shares, self.portal_user),
            "form": form,
            "page_obj": page_obj,
            "rows": rows,
            "query": query.urlencode(),
            "other_portals": _other_portals(request.user, self.portal),
        }
        return render(request, self.template_name, context)


class ItemView(PortalAccessMixin):
    template_name = "wagtail_clientportal/portal/item.html"

    def get(self, request, portal_id, share_id):
        share = get_object_or_404(listing.annotated(self.shares, self.portal_user), pk=share_id)
        row = listing.row_for(share)
        if row.invoice is not None:
            settlement_shares = listing.annotated(
                self.shares.filter(settlement__invoice_id=row.invoice.pk), self.portal_user
            )
            row.settlements = [listing.row_for(s) for s in settlement_shares]
        if share.superseded_at is None and share.document_version_id is not None:
            older = self.shares.filter(
                document_version__document_id=share.document_version.document_id,
                superseded_at__isnull=False,
            ).exclude(pk=share.pk)
            row.older_versions = [
                listing.row_for(s)
                for s in listing.annotated(older, self.portal_user).order_by("-shared_at")
            ]
        services.record_access(self.portal_user, share, AccessEvent.Action.VIEW, request)
        section = "invoices" if row.kind in ("invoice", "settlement") else "documents"
        context = {
            "kod_i": ksef.kod_i_of(row.invoice) if row.invoice is not None else None,
            "portal": self.portal,
            "row": row,
            "section": section,
            "receipt": services.receipts.receipt_state(share, self.portal_user),
            "payment": payment_details(row.invoice) if row.kind == "invoice" else None,
        }
        return render(request, self.template_name, context)
