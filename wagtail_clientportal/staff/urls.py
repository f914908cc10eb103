"""Admin URLs of the staff side, mounted under ``/admin/clientportal/``."""

from django.urls import path

from . import documents, files, invoice_shares, portal_users, portals, receipts

app_name = "clientportal_staff"

urlpatterns = [
    path(
        "client/<int:client_pk>/portals/",
        portals.ClientPortalsView.as_view(),
        name="client_portals",
    ),
    path("portal/<int:portal_pk>/", portals.PortalDetailView.as_view(), name="portal_detail"),
    path(
        "portal/<int:portal_pk>/rename/", portals.PortalRenameView.as_view(), name="portal_rename"
    ),
    path(
        "portal/<int:portal_pk>/delete/", portals.PortalDeleteView.as_view(), name="portal_delete"
    ),
    path(
        "client/<int:client_pk>/users/", portal_users.ClientUsersView.as_view(), name="client_users"
    ),
    path(
        "client/<int:client_pk>/users/add/",
        portal_users.PortalUserCreateView.as_view(),
        name="portal_user_add",
    ),
    path(
        "portal-user/<int:pk>/edit/",
        portal_users.PortalUserEditView.as_view(),
        name="portal_user_edit",
    ),
    path(
        "portal-user/<int:pk>/delete/",
        portal_users.PortalUserDeleteView.as_view(),
        name="portal_user_delete",
    ),
    path(
        "portal-user/<int:pk>/<str:action>/",
        portal_users.portal_user_action,
        name="portal_user_action",
    ),
    path(
        "document/<int:document_pk>/",
        documents.DocumentSharesView.as_view(),
        name="document_shares",
    ),
    path(
        "invoice/<int:invoice_pk>/",
        invoice_shares.InvoiceSharesView.as_view(),
        name="invoice_shares",
    ),
    path("file/<str:kind>/<int:pk>/", files.download, name="file"),
    path(
        "receipt/<int:share_id>/<int:portal_user_id>/<str:fmt>/",
        receipts.receipt,
        name="receipt",
    ),
    path("receipt/verify/", receipts.VerifyReceiptView.as_view(), name="verify_receipt"),
]
