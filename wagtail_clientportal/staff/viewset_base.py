"""What the package's viewset views share: real 403s, and service refusals as form errors.

Wagtail's generic views already validate, run ``save_instance()`` in a transaction and
send the success message; ours only route the write through the service, which owns
the permission check and the rules, and turn its refusal into an error on the form.
"""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from ..exceptions import ClientPortalValidationError
from ..models import Client
from .base import ERROR_FIELDS, Refuse403Mixin, add_service_error
from .ids import clean_ids


class ClientFormMixin:
    """Add and edit pages of a client's portals and users: Klienci › client › this page.

    ``card_tab``: the URL name of the card's tab the client's breadcrumb leads back to.
    Add views read the client from ``?client=<pk>`` (404 when missing or not a number).
    """

    card_tab = ""

    def get_client(self) -> Client:
        if not hasattr(self, "client"):
            [pk] = clean_ids(self.request.GET.getlist("client")[:1]) or [None]
            if pk is None:
                raise Http404
            self.client = get_object_or_404(Client, pk=pk)
        return self.client

    def get_breadcrumbs_items(self):
        client = self.get_client()
        return [
            *self.breadcrumbs_items,
            {"url": reverse("clientportal_clients:index"), "label": _("Clients")},
            {"url": reverse(self.card_tab, args=[client.pk]), "label": str(client)},
            {"url": "", "label": self.get_breadcrumb_label()},
        ]

    def get_breadcrumb_label(self) -> str:
        return self.get_page_subtitle()


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
