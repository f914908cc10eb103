"""What the bulk actions on our own models share, around Wagtail's bulk-action view."""

from __future__ import annotations

from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.permissions import policy_registry

from ..exceptions import ClientPortalValidationError
from .ids import clean_ids


def rows_or_404(queryset, object_ids) -> list:
    """The selected rows; ids that are not numbers are ignored, and none left is a 404."""
    rows = list(queryset.filter(pk__in=clean_ids(object_ids)))
    if not rows:
        raise Http404
    return rows


class ServiceErrorMixin:
    """Show a service refusal (e.g. by the ``clientportal_before_share`` hook) as a form error."""

    def form_valid(self, form):
        self.outcome = {}
        try:
            return super().form_valid(form)
        except ClientPortalValidationError as error:
            # The whole bulk action ran in one transaction and was rolled back.
            if error.code == "unknown_target" and "portals" in form.fields:
                # Items were just loaded; what vanished meanwhile is a chosen portal.
                form.add_error("portals", _("The chosen portal no longer exists."))
            elif error.code == "item_of_other_client" and "portals" in form.fields:
                form.add_error("portals", str(error.message))
            else:
                form.add_error(None, str(error.message))
            return self.form_invalid(form)


class ModelBulkMixin:
    """A snippet bulk action on one model of ours: rows carry only ``item``.

    Our confirmation templates show the item alone, without snippet edit links.
    """

    @cached_property
    def permission_policy(self):
        return policy_registry.get_by_type(self.models[0])

    def object_context(self, obj):
        return {"item": obj}

    def get_context_data(self, **kwargs):
        return BulkAction.get_context_data(self, **kwargs)
