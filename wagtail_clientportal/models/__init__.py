from .audit import AccessEvent
from .clients import Client, Portal, PortalAssignment, PortalUser
from .documents import DocumentVersion
from .invoices import Invoice, Settlement
from .sharing import Share

__all__ = [
    "AccessEvent",
    "Client",
    "DocumentVersion",
    "Invoice",
    "Portal",
    "PortalAssignment",
    "PortalUser",
    "Settlement",
    "Share",
]
