"""What the package's viewset views share: real 403s, and service refusals as form errors.

Wagtail's generic views already validate, run ``save_instance()`` in a transaction and
send the success message; ours only route the write through the service, which owns
the permission check and the rules, and turn its refusal into an error on the form.
"""

from __future__ import annotations

from django.http import HttpResponseRedirect

from ..exceptions import ClientPortalValidationError
from .base import ERROR_FIELDS, Refuse403Mixin, add_service_error


class ServiceFormMixin(Refuse403Mixin):
    """Create and edit views whose ``save_instance()`` calls a service."""

    error_fields = ERROR_FIELDS

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ClientPortalValidationError as error:  # rolled back with the whole save
            add_service_error(form, error, self.error_fields)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ServiceDeleteMixin(Refuse403Mixin):
    """Delete views whose ``delete_action()`` calls a service; a refusal is a message."""

    def form_valid(self, form):
        from wagtail.admin import messages

        success_url = self.get_success_url()
        try:
            self.delete_action()
        except ClientPortalValidationError as error:  # e.g. a colleague deleted it meanwhile
            messages.error(self.request, str(error.message))
            return HttpResponseRedirect(success_url)
        messages.success(self.request, self.get_success_message())
        return HttpResponseRedirect(success_url)
