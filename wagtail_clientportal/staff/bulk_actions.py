"""Bulk actions "Dodaj udostępnienie" and "Cofnij udostępnienie" on the documents listing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.documents.views.bulk_actions.document_bulk_action import DocumentBulkAction
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from .. import services, share_kinds
from ..models import DocumentVersion, Invoice, Portal, Settlement, Share
from . import roles
from .base import Refuse403Mixin, revoked_message
from .bulk_base import ModelBulkMixin, ServiceErrorMixin, rows_or_404
from .forms import RevokeForm, ShareForm
from .share_messages import share_message


class SharePermMixin(Refuse403Mixin, ServiceErrorMixin):
    """Sharing and revoking need the role that may share items."""

    def check_access(self, request) -> None:
        roles.require_perm(request.user, roles.SHARE_ITEMS)

    def check_perm(self, obj):
        return roles.has(self.request.user, roles.SHARE_ITEMS)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class ShareBulkMixin(SharePermMixin):
    """ "Dodaj udostępnienie": the selection, widened by ``items_to_share``, on the portals."""

    display_name = _("Add share")
    action_type = "clientportal_share"
    template_name = "wagtail_clientportal/staff/bulk_share.html"
    action_priority = 40

    def share_options(self, data) -> dict:
        """The form's choices that ``items_to_share`` gets; kept in the outcome too."""
        return {}

    @classmethod
    def items_to_share(cls, actor, objects, **options) -> list:
        return list(objects)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "client_id": self.client_of_selection()}

    def client_of_selection(self) -> int | None:
        """Where the portal chooser starts: the one client owning the selected items (an
        invoice's), else the one client on whose portals they are shared already."""
        items = list(self.get_actionable_objects()[0])
        kinds = [(share_kinds.kind_of(item), item) for item in items]
        owners = {kind.owner_client_id(item) for kind, item in kinds if kind} - {None}
        if not owners and items:
            shared_on = services.portals_sharing(items).values_list("client_id", flat=True)
            owners = set(shared_on.distinct().order_by()[:2])
        return owners.pop() if len(owners) == 1 else None

    def get_execution_context(self):
        data = self.cleaned_form.cleaned_data
        return {
            "actor": self.request.user,
            "portals": list(data["portals"]),
            **self.share_options(data),
            "expires_at": data.get("expires_at"),
            "message": data.get("message", ""),
            "receipt": self.cleaned_form.receipt_options() | self.cleaned_form.version_options(),
            "outcome": self.outcome,
        }

    @classmethod
    def execute_action(
        cls,
        objects,
        actor=None,
        portals=(),
        expires_at=None,
        message="",
        receipt=None,
        outcome=None,
        **options,
    ):
        items = cls.items_to_share(actor, objects, **options)
        result = services.share_items(
            actor, portals, items, expires_at=expires_at, message=message, **(receipt or {})
        )
        if outcome is not None:
            outcome.update(result=result, **options)
        return len(result.created), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return share_message(self.outcome["result"])


class RevokeBulkMixin(SharePermMixin):
    """ "Cofnij udostępnienie": ``items_to_revoke`` of the selection, from the chosen portals."""

    display_name = _("Revoke share")
    action_type = "clientportal_revoke"
    template_name = "wagtail_clientportal/staff/bulk_revoke.html"
    action_priority = 41
    form_class = RevokeForm

    @classmethod
    def items_to_revoke(cls, objects) -> list:
        raise NotImplementedError

    def get_form_kwargs(self):
        objects, _extra = self.get_actionable_objects()
        items = self.items_to_revoke(list(objects))
        shared_on = services.portals_sharing(items) if items else Portal.objects.none()
        return {**super().get_form_kwargs(), "portals": shared_on}

    def get_execution_context(self):
        portals = list(self.cleaned_form.cleaned_data["portals"])
        return {"actor": self.request.user, "portals": portals or None, "outcome": self.outcome}

    @classmethod
    def execute_action(cls, objects, actor=None, portals=None, outcome=None, **kwargs):
        revoked = services.revoke_items(actor, cls.items_to_revoke(list(objects)), portals)
        if outcome is not None:
            outcome["revoked"] = revoked
        return len(revoked), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return revoked_message(num_parent_objects)


class DocumentAccessMixin:
    """Only documents the staff member may see in Wagtail (change or choose, per collection).

    One query for the whole selection, so sharing hundreds of documents stays cheap.
    """

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        allowed = set(
            self.permission_policy.instances_user_has_any_permission_for(
                self.request.user, ["change", "choose"]
            )
            .filter(pk__in=[obj.pk for obj in objects])
            .values_list("pk", flat=True)
        )
        denied = [obj for obj in objects if obj.pk not in allowed]
        extra["items_with_no_access"] = [*extra.get("items_with_no_access", []), *denied]
        return [obj for obj in objects if obj.pk in allowed], extra


class ShareDocumentsBulkAction(DocumentAccessMixin, ShareBulkMixin, DocumentBulkAction):
    aria_label = _("Share the selected documents on client portals")
    form_class = ShareForm

    def share_options(self, data) -> dict:
        return {"pin": data.get("mode") == ShareForm.PIN}

    @classmethod
    def items_to_share(cls, actor, objects, pin=False, **kwargs) -> list:
        items = list(objects)
        if pin:
            items = [services.snapshot_document(actor, document) for document in items]
        return items


class RevokeDocumentsBulkAction(DocumentAccessMixin, RevokeBulkMixin, DocumentBulkAction):
    aria_label = _("Revoke the selected documents from client portals")

    @classmethod
    def items_to_revoke(cls, documents) -> list:
        # The document's pinned versions go with it: the staff member chose the document.
        return [*documents, *DocumentVersion.objects.filter(document__in=documents)]


# --- Invoices ---------------------------------------------------------------------------------


class InvoiceShareForm(ShareForm):
    """The chooser starts on the invoices' client; another client's portal is refused by
    ``services.share_items`` (``item_of_other_client``), shown on the portals field."""

    include_settlements = forms.BooleanField(
        label=_("Also share the invoices' settlements"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, with_mode=False, **kwargs)


class InvoiceBulkMixin(ModelBulkMixin):
    models = [Invoice]


class ShareInvoicesBulkAction(InvoiceBulkMixin, ShareBulkMixin, SnippetBulkAction):
    aria_label = _("Share the selected invoices on client portals")
    form_class = InvoiceShareForm

    def share_options(self, data) -> dict:
        return {"settlements": data.get("include_settlements", False)}

    @classmethod
    def items_to_share(cls, actor, objects, settlements=False, **kwargs) -> list:
        items = list(objects)
        if settlements:
            items += list(Settlement.objects.filter(invoice__in=items).select_related("invoice"))
        return items


class RevokeInvoicesBulkAction(InvoiceBulkMixin, RevokeBulkMixin, SnippetBulkAction):
    aria_label = _("Revoke the selected invoices from client portals")

    @classmethod
    def items_to_revoke(cls, invoices) -> list:
        return [*invoices, *Settlement.objects.filter(invoice__in=invoices)]


# --- Shares listing ---------------------------------------------------------------------------


class RevokeSharesBulkAction(ModelBulkMixin, SharePermMixin, SnippetBulkAction):
    """Revoke the selected shares; already revoked ones are listed as not actionable."""

    models = [Share]
    display_name = _("Revoke share")
    action_type = "clientportal_revoke_shares"
    aria_label = _("Revoke the selected shares")
    template_name = "wagtail_clientportal/staff/bulk_revoke.html"
    action_priority = 10
    form_class = forms.Form

    def get_form_kwargs(self):
        return BulkAction.get_form_kwargs(self)

    def check_perm(self, obj):
        return roles.has(self.request.user, roles.SHARE_ITEMS) and obj.revoked_at is None

    @classmethod
    def get_queryset(cls, model, object_ids):
        return rows_or_404(
            Share.objects.select_related("portal__client", *share_kinds.RELATED),
            object_ids,
        )

    def get_execution_context(self):
        return {"actor": self.request.user}

    @classmethod
    def execute_action(cls, objects, actor=None, **kwargs):
        revoked = services.revoke_shares(actor, list(objects))
        return len(revoked), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return revoked_message(num_parent_objects)
