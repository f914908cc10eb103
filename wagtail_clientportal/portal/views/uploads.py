"""The client's "Prześlij pliki do kancelarii": the form, their own sendings, receipts.

A plain ``multipart/form-data`` form that works without JavaScript; the static
``uploads.js`` only adds drag and drop and a progress bar, and posts the same form
with ``X-Requested-With`` to get a JSON answer instead of a page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ... import conf
from ...exceptions import ClientPortalPermissionDenied
from ...services import upload_receipt, uploads
from ..access import PortalAccessMixin, no_access

TEMPLATE = "wagtail_clientportal/portal/upload.html"
# Multipart framing and the note on top of the files' own bytes.
BODY_MARGIN = 1024 * 1024


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def limit_body(view):
    """Refuse a body far over the limit before anything reads it.

    Applied outside the portal's wrapper in ``urls.py``: its CSRF check reads
    ``request.POST``, which would first spool the whole body to temporary files.
    """
    from ..guard import protect_response

    def wrapped(request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if request.method == "POST" and length > conf.upload_max_total_size() + BODY_MARGIN:
            message = _("The files are too large together.")
            if _wants_json(request):
                response = JsonResponse(
                    {"code": "upload_total_too_large", "message": message}, status=413
                )
            else:
                response = HttpResponse(
                    message, status=413, content_type="text/plain; charset=utf-8"
                )
            return protect_response(response)
        return view(request, *args, **kwargs)

    wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)
    return wrapped


class UploadView(PortalAccessMixin):
    def _page(self, request, status=200, **extra):
        if not self.portal.uploads_enabled:
            raise Http404
        context = {
            "portal": self.portal,
            "uploads": uploads.client_uploads(self.portal_user, self.portal),
            "accept": ",".join(sorted(conf.upload_types())) + ",.heic,.heif",
            "max_files": conf.upload_max_files(),
            "max_file_size": conf.upload_max_file_size(),
            "max_total_size": conf.upload_max_total_size(),
            **extra,
        }
        return render(request, TEMPLATE, context, status=status)

    def get(self, request, portal_id):
        return self._page(request)

    def post(self, request, portal_id):
        files = request.FILES.getlist("files")
        try:
            upload = uploads.receive_upload(request, self.portal, files, request.POST.get("note"))
        except uploads.UploadRefused as refused:
            if _wants_json(request):
                return JsonResponse(_errors_json(refused), status=400)
            return self._page(request, status=400, error=refused, note=request.POST.get("note"))
        except ClientPortalPermissionDenied as denied:
            if denied.code == "uploads_disabled":
                raise Http404 from None
            return no_access(request, None, self.portal.client)
        count = upload.files.count()
        messages.success(
            request,
            ngettext(
                "Thank you. %(count)d file has been sent to the firm.",
                "Thank you. %(count)d files have been sent to the firm.",
                count,
            )
            % {"count": count},
        )
        location = reverse("wagtail_clientportal:upload", args=[self.portal.pk])
        if _wants_json(request):
            return JsonResponse({"location": location, "upload": upload.pk})
        return redirect(location)


def _errors_json(refused) -> dict:
    return {
        "code": refused.code,
        "message": str(refused.message) if not refused.errors else "",
        "files": [{"name": e.name, "code": e.code, "message": e.message} for e in refused.errors],
    }


class UploadReceiptView(PortalAccessMixin):
    """The receipt of one of the person's own sendings (PDF or JSON)."""

    def get(self, request, portal_id, upload_id, fmt):
        if fmt not in ("pdf", "json"):
            raise Http404
        upload = get_object_or_404(
            uploads.client_uploads(self.portal_user, self.portal), pk=upload_id
        )
        data = upload_receipt.build(upload)
        if fmt == "json":
            response = HttpResponse(upload_receipt.to_json(data), content_type="application/json")
        else:
            response = HttpResponse(upload_receipt.render(data), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="potwierdzenie-przeslania-{upload.pk}.{fmt}"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
