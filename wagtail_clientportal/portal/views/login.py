"""Email + password, then a one-time code, then the portal choice; and logout."""

from __future__ import annotations

import django_otp
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from ... import conf, services
from ...services import accounts, passkeys
from ...services.access import client_ip as _client_ip
from .. import session, throttle
from ..access import VerifiedUserMixin, is_verified, no_access
from ..forms import CodeForm, LoginForm, code_error

NEXT = "next"


def _safe_next(request, value):
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def _find_login(email: str):
    User = get_user_model()
    field = User.get_email_field_name()
    return User._default_manager.filter(**{f"{field}__iexact": email}).first()


class LoginView(View):
    template_name = "wagtail_clientportal/portal/login.html"

    def get(self, request):
        if is_verified(request.user) and services.accessible_portal_users(request.user).exists():
            return redirect("wagtail_clientportal:choose")
        return self._render(LoginForm())

    def post(self, request):
        form = LoginForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        email = form.cleaned_data["email"]
        ip = _client_ip(request)
        wait = throttle.login_wait(email, ip)
        if wait:
            form.add_error(
                None,
                _(
                    "Too many failed login attempts. Wait %(minutes)d minutes and try again, "
                    "or reset your password."
                )
                % {"minutes": throttle.wait_minutes(wait)},
            )
            return self._render(form, status=429)
        login = _find_login(email)
        # Unknown addresses go through authenticate() too: same work, same timing.
        user = authenticate(
            request,
            **{get_user_model().USERNAME_FIELD: login.get_username() if login else email},
            password=form.cleaned_data["password"],
        )
        if user is None or not accounts.is_portal_login(user):
            throttle.record_login_failure(email, ip)
            form.add_error(None, _("The email address or password is incorrect."))
            return self._render(form, status=400)
        throttle.login_succeeded(email, ip)
        if not accounts.has_usable_membership(user):
            form.add_error(
                None,
                _("You have no access to the client portal at the moment. Contact the firm."),
            )
            return self._render(form, status=403)
        # Log out any earlier session before starting a new login (no mixing of people).
        if request.user.is_authenticated and request.user.pk != user.pk:
            auth_logout(request)
        session.start(
            request,
            session.PENDING_LOGIN,
            user,
            next=_safe_next(request, request.POST.get(NEXT) or request.GET.get(NEXT)),
        )
        return redirect("wagtail_clientportal:login_code")

    def _render(self, form, status=200):
        context = {
            "form": form,
            "next": self.request.GET.get(NEXT, ""),
            "passkey_login": conf.passkey_login(),
        }
        return render(self.request, self.template_name, context, status=status)


class CodeView(View):
    """The second step: the person picks a device and enters its code."""

    template_name = "wagtail_clientportal/portal/login_code.html"

    def dispatch(self, request, *args, **kwargs):
        self.user = session.load(request, session.PENDING_LOGIN)
        if self.user is None:
            messages.error(request, _("Your login has expired. Log in again."))
            return redirect("wagtail_clientportal:login")
        self.devices = accounts.confirmed_devices(self.user)
        if not self.devices:
            self.devices = [accounts.ensure_email_device(self.user)]
        return super().dispatch(request, *args, **kwargs)

    def _email_device(self):
        return next((d for d in self.devices if d.__class__.__name__ == "EmailDevice"), None)

    def _send(self, device, *, quiet=False):
        sent, next_at = accounts.send_email_code(device)
        if sent:
            if not quiet:
                messages.success(self.request, _("We have sent a new code to your email address."))
        elif not quiet:
            messages.error(
                self.request,
                _("A code was sent a moment ago. Wait a minute before asking for another one."),
            )

    def get(self, request):
        device = self._email_device()
        if device is not None and not session.get(request, session.PENDING_LOGIN, "sent"):
            self._send(device, quiet=True)
            session.update(request, session.PENDING_LOGIN, sent=True)
        return self._render(CodeForm(self.devices))

    def post(self, request):
        if "resend" in request.POST:
            device = self._email_device()
            if device is not None:
                self._send(device)
            return redirect("wagtail_clientportal:login_code")
        form = CodeForm(self.devices, request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        device = accounts.find_device(self.user, form.cleaned_data["device"])
        ok, reason, extra = accounts.verify_code(device, form.cleaned_data["token"])
        if not ok:
            failures = session.get(request, session.PENDING_LOGIN, session.CODE_FAILURES, 0) + 1
            if reason == accounts.CODE_INVALID and failures >= session.MAX_CODE_FAILURES:
                session.clear(request, session.PENDING_LOGIN)
                messages.error(request, _("Too many wrong codes. Log in again."))
                return redirect("wagtail_clientportal:login")
            session.update(request, session.PENDING_LOGIN, **{session.CODE_FAILURES: failures})
            form.add_error("token", code_error(reason, extra))
            status = 429 if reason == accounts.CODE_THROTTLED else 400
            return self._render(form, status=status)
        next_url = finish_login(request, self.user, extra["device"])
        if next_url is None:  # blocked while typing the code
            return no_access(request)
        return redirect(next_url)

    def _render(self, form, status=200):
        context = {
            "form": form,
            "has_email": self._email_device() is not None,
            "has_passkeys": passkeys.has_passkeys(self.user),
        }
        return render(self.request, self.template_name, context, status=status)


def finish_login(request, user, device) -> str | None:
    """The second factor was accepted (a code or a passkey): log ``user`` in.

    Ends the pending login, checks rule 9's account part again (the person may have been
    blocked meanwhile: None, nothing logged in), then ``login()`` gives the session a new
    key, the device marks it verified and its lifetime starts. Returns where to go next.
    """
    next_url = session.get(request, session.PENDING_LOGIN, NEXT)
    session.clear(request, session.PENDING_LOGIN)
    if not accounts.has_usable_membership(user):
        return None
    auth_login(request, user, backend=_backend(user))  # a new session key
    django_otp.login(request, device)
    session.begin_verified(request)
    return next_url or reverse("wagtail_clientportal:choose")


def _backend(user):
    return getattr(user, "backend", None) or "django.contrib.auth.backends.ModelBackend"


class LogoutView(View):
    def get(self, request):
        return render(request, "wagtail_clientportal/portal/logout.html")

    def post(self, request):
        auth_logout(request)
        messages.success(request, _("You have been logged out."))
        return redirect("wagtail_clientportal:login")


class ChooseView(VerifiedUserMixin):
    """After login: the portals the person may enter now; straight in when there is one."""

    template_name = "wagtail_clientportal/portal/choose.html"

    def get(self, request):
        portals = [
            (portal, membership.client)
            for membership in self.memberships
            for portal in membership.portals.all()
        ]
        portals.sort(key=lambda pc: (pc[1].name.lower(), pc[0].name.lower()))
        if not portals:
            return no_access(request)
        if len(portals) == 1:
            return redirect("wagtail_clientportal:portal", portal_id=portals[0][0].pk)
        new = services.new_share_counts(self.memberships)
        choices = [(portal, client, new.get(portal.pk, 0)) for portal, client in portals]
        return render(request, self.template_name, {"choices": choices})
