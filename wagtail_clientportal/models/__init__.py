from .audit import AccessEvent
from .audit_exports import AuditExport
from .clients import Client, Portal, PortalAssignment, PortalUser
from .delivery import (
    AppendOnlyError,
    DeliveryEvent,
    DeliveryTimestamp,
    ReceiptReminder,
    ReceiptRequest,
)
from .documents import DocumentVersion, SharedDocument
from .invoices import Invoice, Settlement
from .notifications import Notification
from .sharing import Share
from .uploads import Upload, UploadedFile

__all__ = [
    "AccessEvent",
    "AppendOnlyError",
    "AuditExport",
    "DeliveryEvent",
    "DeliveryTimestamp",
    "ReceiptReminder",
    "ReceiptRequest",
    "Client",
    "DocumentVersion",
    "Invoice",
    "Notification",
    "Portal",
    "PortalAssignment",
    "PortalUser",
    "Settlement",
    "Share",
    "SharedDocument",
    "Upload",
    "UploadedFile",
]
