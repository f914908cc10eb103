"""Admin URLs of the staff side that are not a viewset's, under ``/admin/clientportal/``."""

from django.urls import path

from .. import converters  # noqa: F401  (registers cp_id)
from . import audit_export, documents, files, invoice_shares, receipts

app_name = "clientportal_staff"

urlpatterns = [
    path(
        "document/<cp_id:document_pk>/",
        documents.DocumentSharesView.as_view(),
        name="document_shares",
    ),
    path(
        "invoice/<cp_id:invoice_pk>/",
        invoice_shares.InvoiceSharesView.as_view(),
        name="invoice_shares",
    ),
    path("file/<str:kind>/<cp_id:pk>/", files.download, name="file"),
    path(
        "receipt/<cp_id:share_id>/<cp_id:portal_user_id>/<str:fmt>/",
        receipts.receipt,
        name="receipt",
    ),
    path("receipt/verify/", receipts.VerifyReceiptView.as_view(), name="verify_receipt"),
    path("audit-export/<cp_id:pk>/", audit_export.AuditExportView.as_view(), name="audit_export"),
    path(
        "audit-export/<cp_id:pk>/download/",
        audit_export.download_audit_export,
        name="audit_export_download",
    ),
]
