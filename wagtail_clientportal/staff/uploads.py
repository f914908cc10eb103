"""Files clients sent: the listing with filters, one sending's page, the file, the actions.

Nothing a client sent is ever shown inline unless a scanner said it is clean and it
is a PDF or a plain image (``services.uploads.may_show_inline``); every answer with
the file's bytes carries ``Content-Security-Policy: sandbox`` and ``nosniff``, so
even a file saved from here cannot run script in the admin's origin.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.log_actions import log
from wagtail.models import Collection

from .. import converters  # noqa: F401  (registers cp_id)
from ..exceptions import ClientPortalError
from ..models import Client, Portal, Upload, UploadedFile
from ..services import uploads
from .base import StaffView, refuse_with_403


def is_upload_staff(user) -> bool:
    try:
        uploads.require_upload_staff(user)
    except PermissionDenied:
        return False
    return True


class UploadFilterForm(forms.Form):
    client = forms.ModelChoiceField(
        label=gettext_lazy("Client"), queryset=Client.objects.all(), required=False
    )
    portal = forms.ModelChoiceField(
        label=gettext_lazy("Client portal"),
        queryset=Portal.objects.select_related("client"),
        required=False,
    )
    handled = forms.ChoiceField(
        label=gettext_lazy("Handled"),
        required=False,
        choices=[("", "—"), ("no", gettext_lazy("Not handled")), ("yes", gettext_lazy("Handled"))],
    )
    scan = forms.ChoiceField(
        label=gettext_lazy("Scan"),
        required=False,
        choices=[("", "—"), *UploadedFile.Scan.choices],
    )


def filtered(data) -> tuple[UploadFilterForm, object]:
    form = UploadFilterForm(data)
    rows = Upload.objects.prefetch_related("files").select_related("handled_by")
    if form.is_valid():
        data = form.cleaned_data
        if data["client"]:
            rows = rows.filter(client=data["client"])
        if data["portal"]:
            rows = rows.filter(portal=data["portal"])
        if data["handled"] == "no":
            rows = rows.filter(handled_at__isnull=True)
        elif data["handled"] == "yes":
            rows = rows.filter(handled_at__isnull=False)
        if data["scan"]:
            rows = rows.filter(files__scan_status=data["scan"]).distinct()
    return form, rows.order_by("-at", "-pk")


class UploadStaffView(StaffView):
    header_icon = "upload"

    def check_access(self, request) -> None:
        uploads.require_upload_staff(request.user)


class UploadIndexView(UploadStaffView):
    template_name = "wagtail_clientportal/staff/uploads_index.html"

    def get_page_title(self):
        return _("Files from clients")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, rows = filtered(self.request.GET)
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(
            form=form,
            page_obj=Paginator(rows, 50).get_page(self.request.GET.get("p")),
            query=query.urlencode(),
        )
        return context


class ToDocumentForm(forms.Form):
    collection = forms.ModelChoiceField(
        label=gettext_lazy("Collection"), queryset=Collection.objects.none()
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255, required=False)

    def __init__(self, *args, user=None, **kwargs):
        from wagtail.documents import get_document_model
        from wagtail.permissions import policy_registry

        super().__init__(*args, **kwargs)
        policy = policy_registry.get_by_type(get_document_model())
        self.fields["collection"].queryset = policy.collections_user_has_permission_for(user, "add")


class UploadDetailView(UploadStaffView):
    template_name = "wagtail_clientportal/staff/upload_detail.html"

    def get_upload(self):
        return get_object_or_404(
            Upload.objects.prefetch_related("files__document"), pk=self.kwargs["pk"]
        )

    def get_page_title(self):
        return _("Files from %(name)s") % {"name": self.get_upload().user_name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upload = self.get_upload()
        context["upload"] = upload
        context["files"] = [
            (
                f,
                uploads.may_show_inline(f),
                ToDocumentForm(user=self.request.user, prefix=f"f{f.pk}"),
            )
            for f in upload.files.all()
        ]
        return context

    def post(self, request, pk):
        upload = self.get_upload()
        action = request.POST.get("action")
        try:
            if action == "handled":
                uploads.mark_handled(request.user, upload)
                messages.success(request, _("Marked as handled."))
            elif action == "document":
                row = get_object_or_404(upload.files, pk=request.POST.get("file"))
                form = ToDocumentForm(request.POST, user=request.user, prefix=f"f{row.pk}")
                if not form.is_valid():
                    messages.error(request, _("Choose a collection."))
                else:
                    document = uploads.make_document(
                        request.user,
                        row,
                        form.cleaned_data["collection"],
                        form.cleaned_data["title"],
                    )
                    messages.success(
                        request, _("Document “%(title)s” created.") % {"title": document.title}
                    )
            else:
                raise Http404
        except ClientPortalError as error:
            messages.error(request, str(error.message))
        return redirect("clientportal_uploads:detail", upload.pk)


@refuse_with_403
def download(request, pk):
    """The file, as an attachment unless clean and a PDF or image; sandboxed either way."""
    uploads.require_upload_staff(request.user)
    row = get_object_or_404(UploadedFile.objects.select_related("upload"), pk=pk)
    inline = request.GET.get("inline") == "1" and uploads.may_show_inline(row)
    try:
        handle = row.file.storage.open(row.file.name, "rb")
    except OSError:
        raise Http404 from None
    content_type = row.content_type if inline else "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Length"] = str(row.size)
    response["Content-Disposition"] = content_disposition_header(not inline, row.original_name)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    log(
        instance=row.upload,
        action=uploads.LOG_STAFF_DOWNLOAD,
        user=request.user,
        data={"file": row.pk, "inline": inline},
    )
    return response


class UploadsMenuItem(MenuItem):
    def is_shown(self, request):
        return is_upload_staff(request.user)


class UploadViewSet(ViewSet):
    name = "clientportal_uploads"
    url_prefix = "clientportal/uploads"
    icon = "upload"
    menu_label = gettext_lazy("Files from clients")
    add_to_admin_menu = False

    def get_urlpatterns(self):
        return [
            path("", UploadIndexView.as_view(), name="index"),
            path("<cp_id:pk>/", UploadDetailView.as_view(), name="detail"),
            path("file/<cp_id:pk>/", download, name="file"),
        ]

    def get_menu_item(self, order=None):
        return UploadsMenuItem(
            self.menu_label,
            self.menu_url,
            name=self.menu_name,
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
        )


upload_viewset = UploadViewSet()


def uploads_of(**filters):
    """The latest sendings for the client card and the portal page."""
    return Upload.objects.filter(**filters).prefetch_related("files").order_by("-at", "-pk")
