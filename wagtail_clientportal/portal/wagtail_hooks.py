"""Wagtail hooks of the client-facing side (document serving, admin access)."""

from django.core.exceptions import PermissionDenied
from wagtail import hooks

from ..models import SharedDocument


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
    any document that was ever shared on a portal, directly or through a pinned version
    (the version's bytes are the document's), is refused here (rule 11). The mark is
    never removed by revoking or deleting shares, versions or portals.

    The mark is asked first: a document never shared (most of a site's) costs Wagtail's
    view one query, not the two of a permission lookup as well.
    """
    if not SharedDocument.objects.filter(document_id=document.pk).exists():
        return None
    if may_use_wagtail_document_url(getattr(request, "user", None)):
        return None
    raise PermissionDenied
