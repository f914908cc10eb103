"""Where one Wagtail document is and was shared, with revoke; and "save version" (a pinned
snapshot)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.permissions import policy_registry

from .. import services
from ..exceptions import ClientPortalValidationError
from ..models import DocumentVersion, Share
from . import roles
from .base import StaffView, revoke_selected
from .delivery import DeliveryStatusMixin
from .files import download_url
from .history import split_history


def can_see_document(user, document) -> bool:
    policy = policy_registry.get_by_type(get_document_model())
    return policy.user_has_any_permission_for_instance(user, ["change", "choose"], document)


class DocumentSharesView(DeliveryStatusMixin, StaffView):
    template_name = "wagtail_clientportal/staff/document_shares.html"
    header_icon = "doc-full"

    def get_document(self):
        if not hasattr(self, "document"):
            document = get_object_or_404(get_document_model(), pk=self.kwargs["document_pk"])
            # Only a document the staff member may see in Wagtail (collection permissions).
            if not can_see_document(self.request.user, document):
                raise PermissionDenied
            self.document = document
        return self.document

    def get(self, request, *args, **kwargs):
        self.get_document()
        return super().get(request, *args, **kwargs)

    def delivery_shares(self):
        document = self.get_document()
        self.delivery_export_name = f"delivery-document-{document.pk}"
        return Share.objects.filter(
            Q(document=document) | Q(document_version__document=document)
        ).select_related("portal__client", "document", "document_version")

    def get_page_title(self):
        return _("Client portals")

    def get_page_subtitle(self):
        return self.get_document().title

    def get_breadcrumbs_items(self):
        document = self.get_document()
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("wagtaildocs:index"), "label": _("Documents")},
            {"url": reverse("wagtaildocs:edit", args=[document.pk]), "label": document.title},
            {"url": "", "label": _("Client portals")},
        ]

    def get_context_data(self, **kwargs):
        document = self.get_document()
        context = super().get_context_data(**kwargs)
        active, history = split_history(
            Share.objects.filter(Q(document=document) | Q(document_version__document=document))
        )
        versions = list(
            DocumentVersion.objects.filter(document=document).select_related("created_by")
        )
        for version in versions:
            version.download_url = download_url(version)
        context.update(self.delivery_context(active))
        context.update(
            document=document,
            active_shares=active,
            history=history,
            versions=versions,
            can_share=roles.has(self.request.user, roles.SHARE_ITEMS),
        )
        return context

    def post(self, request, *args, **kwargs):
        roles.require_perm(request.user, roles.SHARE_ITEMS)
        document = self.get_document()
        if request.POST.get("action") == "snapshot":
            label = (request.POST.get("label") or "").strip()[:120]
            try:
                version = services.snapshot_document(request.user, document, label)
            except ClientPortalValidationError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(
                    request,
                    _("Version of “%(title)s” saved (SHA-256 %(sha)s).")
                    % {"title": document.title, "sha": version.sha256[:12]},
                )
        else:
            revoke_selected(
                request,
                Share.objects.filter(Q(document=document) | Q(document_version__document=document)),
            )
        return redirect("clientportal_staff:document_shares", document.pk)
