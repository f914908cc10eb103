"""Bulk actions "Dodaj udostępnienie" and "Cofnij udostępnienie" on the documents listing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.documents.views.bulk_actions.document_bulk_action import DocumentBulkAction

from .. import services
from ..exceptions import ClientPortalValidationError
from ..models import DocumentVersion, PortalUser
from . import roles
from .base import forbidden
from .forms import RevokeForm, ShareForm


def users_to_notify(portal_ids) -> int:
    """Active, assigned portal users of the portals that got something new (rule 5)."""
    if not portal_ids:
        return 0
    today = timezone.localdate()
    return (
        PortalUser.objects.filter(
            portals__in=list(portal_ids), activated_at__isnull=False, is_blocked=False
        )
        .filter(Q(access_expires_on__isnull=True) | Q(access_expires_on__gte=today))
        .values("pk")
        .distinct()
        .count()
    )


def portal_names(portals) -> str:
    return ", ".join(f"{p.name} ({p.client.name})" for p in portals)


def share_message(result, noun_singular_plural, notified: int) -> str:
    """What was shared to whom and how many users will be notified, with Polish plurals."""
    created = len(result.created)
    parts = [
        noun_singular_plural(created) % {"count": created, "portals": portal_names(result.portals)}
    ]
    if result.already_active:
        n = len(result.already_active)
        parts.append(
            ngettext(
                "%(count)d share was already active and stays as it is.",
                "%(count)d shares were already active and stay as they are.",
                n,
            )
            % {"count": n}
        )
    parts.append(
        ngettext(
            "%(count)d portal user will be notified.",
            "%(count)d portal users will be notified.",
            notified,
        )
        % {"count": notified}
    )
    return " ".join(parts)


def _documents_shared(n):
    return ngettext(
        "%(count)d document share created on: %(portals)s.",
        "%(count)d document shares created on: %(portals)s.",
        n,
    )


def _versions_shared(n):
    return ngettext(
        "%(count)d pinned document version share created on: %(portals)s.",
        "%(count)d pinned document version shares created on: %(portals)s.",
        n,
    )


class ServiceErrorMixin:
    """Show a service refusal (e.g. by the ``clientportal_before_share`` hook) as a form error."""

    def dispatch(self, request, *args, **kwargs):
        try:
            roles.require_perm(request.user, roles.SHARE_ITEMS)
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request)

    def check_perm(self, obj):
        return roles.has(self.request.user, roles.SHARE_ITEMS)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        self.outcome = {}
        try:
            return super().form_valid(form)
        except ClientPortalValidationError as error:
            # The whole bulk action ran in one transaction and was rolled back.
            form.add_error(None, str(error.message))
            return self.form_invalid(form)


class ShareDocumentsBulkAction(ServiceErrorMixin, DocumentBulkAction):
    display_name = _("Add share")
    action_type = "clientportal_share"
    aria_label = _("Share the selected documents on client portals")
    template_name = "wagtail_clientportal/staff/bulk_share.html"
    action_priority = 40
    form_class = ShareForm

    def get_execution_context(self):
        data = self.cleaned_form.cleaned_data
        return {
            "actor": self.request.user,
            "portals": list(data["portals"]),
            "pin": data.get("mode") == ShareForm.PIN,
            "expires_at": data.get("expires_at"),
            "outcome": self.outcome,
        }

    @classmethod
    def execute_action(
        cls, objects, actor=None, portals=(), pin=False, expires_at=None, outcome=None, **kwargs
    ):
        items = list(objects)
        if pin:
            items = [services.snapshot_document(actor, document) for document in items]
        result = services.share_items(actor, portals, items, expires_at=expires_at)
        if outcome is not None:
            outcome.update(result=result, pin=pin)
        return len(result.created), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        result = self.outcome["result"]
        notified = users_to_notify(result.created_by_portal.keys())
        noun = _versions_shared if self.outcome["pin"] else _documents_shared
        return share_message(result, noun, notified)


class RevokeDocumentsBulkAction(ServiceErrorMixin, DocumentBulkAction):
    display_name = _("Revoke share")
    action_type = "clientportal_revoke"
    aria_label = _("Revoke the selected documents from client portals")
    template_name = "wagtail_clientportal/staff/bulk_revoke.html"
    action_priority = 41
    form_class = RevokeForm

    def get_execution_context(self):
        portals = list(self.cleaned_form.cleaned_data["portals"])
        return {"actor": self.request.user, "portals": portals or None, "outcome": self.outcome}

    @classmethod
    def execute_action(cls, objects, actor=None, portals=None, outcome=None, **kwargs):
        documents = list(objects)
        # The document's pinned versions go with it: the staff member chose the document.
        versions = list(DocumentVersion.objects.filter(document__in=documents))
        revoked = services.revoke_items(actor, [*documents, *versions], portals)
        if outcome is not None:
            outcome["revoked"] = revoked
        return len(revoked), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d share revoked.", "%(count)d shares revoked.", num_parent_objects
        ) % {"count": num_parent_objects}
