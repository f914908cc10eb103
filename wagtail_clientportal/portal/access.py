"""Rule 9 at the door of every portal page: views use ``PortalAccessMixin``."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View

from .. import services
from ..services import access as access_codes

NEEDS_LOGIN = {access_codes.NOT_AUTHENTICATED, access_codes.NOT_VERIFIED}
HIDDEN = {access_codes.NOT_A_PORTAL_USER, access_codes.NOT_ASSIGNED, access_codes.NO_SUCH_PORTAL}


def is_verified(user) -> bool:
    return bool(user.is_authenticated and services.access.is_verified(user))


def no_access(request, reason: str | None = None, client=None):
    """403 with a plain explanation: access ended or was never given; the firm can help
    (its contact, and ``client``'s contact person, are on the page)."""
    context = {"reason": reason, "contact_client": client}
    return render(request, "wagtail_clientportal/portal/no_access.html", context, status=403)


def login_redirect(request):
    return redirect_to_login(request.get_full_path(), reverse("wagtail_clientportal:login"))


class VerifiedUserMixin(View):
    """Logged in with password and one-time code, and a portal user of some client."""

    def dispatch(self, request, *args, **kwargs):
        if not is_verified(request.user):
            return login_redirect(request)
        self.memberships = list(services.accessible_portal_users(request.user))
        if not self.memberships:
            return no_access(request)
        return super().dispatch(request, *args, **kwargs)


class PortalAccessMixin(View):
    """Loads the portal of the URL and checks rule 9 now, from the database."""

    #: Joined to the portal's row. Pages show the client's contact person; a download
    #: needs it only on a refusal (loaded then, one query).
    portal_related = ("client", "client__contact_person")

    def dispatch(self, request, *args, **kwargs):
        decision = services.enter_portal(
            request.user, kwargs["portal_id"], related=self.portal_related
        )
        if decision.reason in NEEDS_LOGIN:
            return login_redirect(request)
        if decision.reason in HIDDEN:
            raise Http404
        self.portal = decision.portal
        if not decision:
            return no_access(request, decision.reason, self.portal.client)
        self.decision = decision
        self.portal_user = decision.portal_user
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def shares(self):
        """The portal's active shares (``services.shares_of``); built when a view asks:
        a download reads its one share with ``services.share_to_send`` instead."""
        return services.shares_of(self.decision)
