"""Wagtail hooks of the client-facing side (document serving, admin access)."""

from django.core.exceptions import PermissionDenied
from wagtail import hooks


def may_use_wagtail_document_url(user) -> bool:
    """Only the firm's staff (Wagtail admin users) may use Wagtail's own document URL for a
    document that is shared on a client portal; clients use the portal's download view."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm("wagtailadmin.access_admin")
    )


@hooks.register("before_serve_document")
def refuse_shared_documents(document, request):
    """Shared documents are not served by Wagtail to anonymous visitors or portal users.

    A collection's "login" restriction would let any logged-in portal user through, so
    any document that has (or had) a share on a portal, directly or through a pinned
    version (the version's bytes are the document's), is refused here.
    """
    if may_use_wagtail_document_url(getattr(request, "user", None)):
        return None
    if (
        document.clientportal_shares.exists()
        or document.clientportal_versions.filter(shares__isnull=False).exists()
    ):
        raise PermissionDenied
    return None
