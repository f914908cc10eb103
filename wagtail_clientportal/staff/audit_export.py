"""The portal's audit ZIP, for ADO and Administrator: a streamed download."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ..models import Portal
from ..services import audit_export
from . import roles
from .base import refuse_with_403


@refuse_with_403
def portal_audit_zip(request, portal_pk: int):
    """GET only; 403 without admin access and ``manage_portals`` (the service checks too)."""
    roles.require_perm(request.user, roles.MANAGE_PORTALS)
    portal = get_object_or_404(Portal.objects.select_related("client"), pk=portal_pk)
    stream = audit_export.portal_audit_zip(request.user, portal)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    name = f"audit-portal-{portal.pk}-{timezone.localdate():%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
