"""The audit ZIPs of a portal and of a client, for ADO and Administrator: streamed."""

from __future__ import annotations

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AuditExport, Client, Portal
from ..services import audit_export, audit_export_jobs, client_audit_export
from . import roles
from .base import StaffView, refuse_with_403


@refuse_with_403
def portal_audit_zip(request, portal_pk: int):
    """GET only; 403 without admin access and ``manage_portals`` (the service checks too)."""
    roles.require_perm(request.user, roles.MANAGE_PORTALS)
    portal = get_object_or_404(Portal.objects.select_related("client"), pk=portal_pk)
    files = _with_files(request)
    if audit_export_jobs.is_large(portal, files):
        return _by_task(request, portal, files)
    stream = audit_export.portal_audit_zip(request.user, portal, files=files)
    return _zip_response(stream, f"audit-portal-{portal.pk}-{timezone.localdate():%Y%m%d}.zip")


@refuse_with_403
def client_audit_zip(request, client_pk: int):
    """All the client's portals, deleted ones included; same rule as the portal's ZIP."""
    roles.require_perm(request.user, roles.MANAGE_PORTALS)
    client = get_object_or_404(Client, pk=client_pk)
    files = _with_files(request)
    if audit_export_jobs.is_large(client, files):
        return _by_task(request, client, files)
    stream = client_audit_export.client_audit_zip(request.user, client, files=files)
    return _zip_response(stream, f"audit-client-{client.pk}-{timezone.localdate():%Y%m%d}.zip")


def _with_files(request) -> bool:
    """``?files=1``: the delivered files too (off by default; the same permission)."""
    return request.GET.get("files") == "1"


def _zip_response(stream, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _by_task(request, target, files: bool):
    """Too large to stream: built by a task; the person waits on its page (or for the email)."""
    export = audit_export_jobs.request_export(request.user, target, files=files)
    return redirect("clientportal_staff:audit_export", export.pk)


def _own_export(request, pk: int) -> AuditExport:
    """Only the requester's own exports, and only while they may still export (else 404/403)."""
    roles.require_perm(request.user, roles.MANAGE_PORTALS)
    return get_object_or_404(AuditExport, pk=pk, requested_by=request.user)


class AuditExportView(StaffView):
    """A task-built export: its progress while it runs, then its download until it expires."""

    template_name = "wagtail_clientportal/staff/audit_export.html"
    header_icon = "download"
    permission = roles.MANAGE_PORTALS

    def get_page_title(self):
        return _("Audit export")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = _own_export(self.request, self.kwargs["pk"])
        context.update(export=export, running=export.status in ("queued", "running"))
        return context


@refuse_with_403
def download_audit_export(request, pk: int):
    export = _own_export(request, pk)
    if not export.is_available:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    day = timezone.localdate(export.finished_at)
    name = f"audit-{export.scope}-{export.object_id}-{day:%Y%m%d}.zip"
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
