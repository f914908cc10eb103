"""The one wrapper every portal URL goes through (``urls.py`` applies it to each pattern).

It is a view wrapper rather than a middleware so that the protection comes with
``include("wagtail_clientportal.portal.urls")`` and does not depend on the host's
``MIDDLEWARE`` (a forgotten or reordered middleware would silently drop it):

- a verified portal session past its idle timeout or absolute lifetime is logged
  out before any view runs (DESIGN rule 10);
- every response, errors and redirects included, is never cacheable
  (``Cache-Control: private, no-store``), never framed (``X-Frame-Options: DENY``
  and CSP ``frame-ancestors 'none'``) and carries the portal's own
  Content-Security-Policy, whatever the host's clickjacking or CSP middleware says.
  A view that sets a stricter CSP of its own (the downloads) keeps it.

Expected refusals raised inside a view (404, 403, 400) are turned into responses here
so that they get the headers too: a 404 as the portal's own "no longer available"
page (a client following an old email link meets the portal, with a way back to
their portals, not the host's generic page), the others with Django's own
``response_for_exception``; a server error is left to propagate to the host's
handlers and error reporting.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect

from .. import conf
from ..compat import CSP, build_policy
from ..services import accounts
from ..services.access import is_verified
from . import session

EXPECTED_REFUSALS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


def default_csp() -> dict:
    """This site only: no inline script or style, no plugins, no framing, forms post here."""
    own = [CSP.SELF]
    static_url = settings.STATIC_URL or ""
    if static_url.startswith(("http://", "https://", "//")):
        parts = urlsplit(static_url)
        own.append(f"{parts.scheme + ':' if parts.scheme else ''}//{parts.netloc}")
    return {
        "default-src": [CSP.NONE],
        "script-src": own,
        "style-src": own,
        "img-src": [*own, "data:"],
        "font-src": own,
        "connect-src": [CSP.SELF],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
        "base-uri": [CSP.NONE],
    }


def protect_response(response):
    """Headers every portal response carries (see the module docstring)."""
    # Whatever a view or the host's middleware said: nothing of the portal is stored by the
    # browser or any cache in between (no-store implies no revalidation is ever needed).
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ("Cookie",))
    response["X-Frame-Options"] = "DENY"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Activation and reset links carry tokens in the path: never send them to other sites.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    header = str(CSP.HEADER_ENFORCE)  # a plain str: WSGI servers refuse str subclasses
    if header not in response:
        response[header] = build_policy(conf.portal_csp() or default_csp())
    return response


def _is_portal_session(request) -> bool:
    return is_verified(request.user) and accounts.is_portal_login(request.user)


def session_expired(request):
    """Log out a verified portal session past its lifetime; the login page says why."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not session.lifetime_exceeded(
        request, is_portal_session=lambda: _is_portal_session(request)
    ):
        return None
    auth_logout(request)
    messages.info(request, _("For your security you have been logged out. Please log in again."))
    login_url = reverse("wagtail_clientportal:login")
    if request.method == "GET" and request.path != login_url:
        return redirect_to_login(request.get_full_path(), login_url)
    return redirect_to_login("", login_url)


def portal_view(view):
    """Wrap one portal view (see the module docstring).

    CSRF is checked here, inside the wrapper, with Django's own ``csrf_protect``, and
    the outer view is marked exempt for the host's ``CsrfViewMiddleware``: so a CSRF
    refusal gets the portal's headers like every other answer, and the portal's forms
    stay protected even in a host project without the middleware.
    """
    checked = csrf_protect(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = session_expired(request)
        if response is None:
            try:
                response = checked(request, *args, **kwargs)
            except Http404:
                response = not_available(request)
            except EXPECTED_REFUSALS as exc:
                response = response_for_exception(request, exc)
        return protect_response(response)

    wrapped.csrf_exempt = True
    return wrapped


def not_available(request):
    """The portal-styled 404: what was asked for is not (or no longer) there."""
    return render(request, "wagtail_clientportal/portal/not_available.html", status=404)


def not_found(request, rest=""):
    """Any other path under the portal: a 404 with the portal's headers.

    This catch-all makes every URL resolve, which would stop ``CommonMiddleware``'s
    ``APPEND_SLASH`` redirect, so it is done here for the portal's own URLs.
    """
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not_found":
            target = request.path + "/"
            if request.META.get("QUERY_STRING"):
                target += "?" + request.META["QUERY_STRING"]
            return HttpResponsePermanentRedirect(target)
    raise Http404
