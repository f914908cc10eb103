"""Shared pieces of the staff views: real 403s, the service-error bridge, revoking."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import services
from ..exceptions import ClientPortalValidationError
from . import roles
from .ids import clean_ids

# Which form field a service error belongs to; anything else is a form-wide error.
ERROR_FIELDS = {
    "portal_name_taken": "name",
    "portal_user_exists": "email",
    "email_required": "email",
    "portals_required": "portals",
    "portal_of_other_client": "portals",
}


def add_service_error(form, error: ClientPortalValidationError, fields=ERROR_FIELDS) -> None:
    field = fields.get(error.code)
    form.add_error(field if field in form.fields else None, str(error.message))


def forbidden(request):
    """A real 403 (Wagtail's admin would redirect to the dashboard instead)."""
    return TemplateResponse(
        request,
        "wagtail_clientportal/staff/403.html",
        {"page_title": _("Permission denied")},
        status=403,
    )


def refuse_with_403(view):
    """Turn PermissionDenied (from a check or a service) into a 403 response."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request)

    wrapped.__name__ = getattr(view, "__name__", "view")
    wrapped.__doc__ = view.__doc__
    return wrapped


class Refuse403Mixin:
    """``check_access`` runs before anything else; a refusal anywhere is a real 403."""

    def check_access(self, request) -> None:
        """Raise PermissionDenied when the user may not come here."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.check_access(request)
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request)


class StaffView(Refuse403Mixin, WagtailAdminTemplateMixin, TemplateView):
    """An admin page; ``permission`` is checked before anything else (403 when missing)."""

    permission: str | None = None
    header_icon = "group"

    def check_access(self, request) -> None:
        if self.permission:
            roles.require_perm(request.user, self.permission)
        else:
            roles.require_portal_staff(request.user)


def revoked_message(count: int) -> str:
    return ngettext("%(count)d share revoked.", "%(count)d shares revoked.", count) % {
        "count": count
    }


def revoke_selected(request, shares, nothing_selected: str = "") -> None:
    """Revoke the ticked ``share`` ids, only among ``shares``; the outcome goes to messages.

    Every ticked id must still be there: a stale page revokes nothing rather than a part.
    """
    ids = clean_ids(request.POST.getlist("share"))
    chosen = list(shares.filter(pk__in=ids))
    try:
        if not ids or len(chosen) != len(set(ids)):
            if nothing_selected:
                messages.error(request, nothing_selected)
                return
            raise ClientPortalValidationError("nothing_selected")
        revoked = services.revoke_shares(request.user, chosen)
    except ClientPortalValidationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, revoked_message(len(revoked)))
