"""The audit ZIPs of a portal and of a client, for ADO and Administrator: streamed."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ..models import Client, Portal
from ..services import audit_export, client_audit_export
from . import roles
from .base import refuse_with_403


@refuse_with_403
def portal_audit_zip(request, portal_pk: int):
    """GET only; 403 without admin access and ``manage_portals`` (the service checks too)."""
    roles.require_perm(request.user, roles.MANAGE_PORTALS)
    portal = get_object_or_404(Portal.objects.select_related("client"), pk=portal_pk)
    stream = audit_export.portal_audit_zip(request.user, portal)
    return _zip_response(stream, f"audit-portal-{portal.pk}-{timezone.localdate():%Y%m%d}.zip")


@refuse_with_403
def client_audit_zip(request, client_pk: int):
    """All the client's portals, deleted ones included; same rule as the portal's ZIP."""
    roles.require_perm(request.user, roles.MANAGE_PORTALS)
    client = get_object_or_404(Client, pk=client_pk)
    stream = client_audit_export.client_audit_zip(request.user, client)
    return _zip_response(stream, f"audit-client-{client.pk}-{timezone.localdate():%Y%m%d}.zip")


def _zip_response(stream, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
