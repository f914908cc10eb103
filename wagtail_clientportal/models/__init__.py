from .audit import AccessEvent
from .clients import Client, Portal, PortalAssignment, PortalUser
from .documents import DocumentVersion, SharedDocument
from .invoices import Invoice, Settlement
from .notifications import Notification
from .sharing import Share

__all__ = [
    "AccessEvent",
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
]
