"""A person's data on the staff side (RODO): the export download and the erasure page.

Both sit on the portal users' viewset (row "⋯" menu and the edit page's header) and
need ``manage_personal_data`` (the ADO role); the services check it again and log.
The erasure is Wagtail's generic delete confirmation with the plan's counts: Wagtail
has no "erase" view, and a delete view is what it is to staff (a serious, confirmed,
irreversible action).
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.views import generic

from ..models import PortalUser
from ..permissions import MANAGE_PERSONAL_DATA
from ..services import erasure, person_export
from . import roles
from .base import refuse_with_403
from .viewset_base import ServiceDeleteMixin


def may_manage_personal_data(user) -> bool:
    return roles.has(user, roles.ACCESS_ADMIN) and roles.has(user, MANAGE_PERSONAL_DATA)


@refuse_with_403
def person_export_zip(request, pk: int):
    """GET: the streamed ZIP; 403 without admin access and ``manage_personal_data``."""
    roles.require_perm(request.user, MANAGE_PERSONAL_DATA)
    portal_user = get_object_or_404(PortalUser.objects.select_related("user", "client"), pk=pk)
    stream = person_export.person_export_zip(request.user, portal_user)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    name = f"rodo-osoba-{portal_user.pk}-{timezone.localdate():%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


class PersonEraseView(ServiceDeleteMixin, generic.DeleteView):
    """The confirmation lists what goes and what is pseudonymised; POST erases."""

    template_name = "wagtail_clientportal/staff/person_erase.html"
    permission_required = None  # checked in check_access: manage_personal_data

    def check_access(self, request) -> None:
        roles.require_perm(request.user, MANAGE_PERSONAL_DATA)

    def get_queryset(self):
        return PortalUser.objects.select_related("user", "client")

    def get_page_subtitle(self):
        return _("Erase the personal data of %(name)s") % {"name": self.object.full_name}

    def get_usage_url(self):
        return None

    def get_delete_url(self):
        return reverse("clientportal_portal_users:erase", args=[self.object.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = erasure.plan_erasure(self.object)
        return context

    def delete_action(self):
        self.client_id = self.object.client_id
        self.result = erasure.erase_person(self.request.user, self.object)

    def get_success_url(self):
        return reverse("clientportal_portal_users:client", args=[self.object.client_id])

    def get_success_message(self):
        return _("The person's data was erased; the records now name %(pseudonym)s.") % {
            "pseudonym": self.result["pseudonym"]
        }
