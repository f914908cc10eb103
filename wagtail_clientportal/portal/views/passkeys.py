"""Passkeys on the portal: as the second step after the password, alone when the firm
allows it (``WAGTAILCLIENTPORTAL_PASSKEY_LOGIN``), and on the account page.

The ceremonies are pairs of JSON endpoints called by ``js/passkeys.js`` (a static file:
the portal's CSP allows no inline script; its URLs and messages come in ``data-``
attributes): *begin* returns the options for the browser and keeps the challenge in the
session, *complete* checks the browser's answer. They are the library's steps behind the
portal's own rules, not the library's views (``services/passkeys.py`` says why):

- a passkey after the password goes through the same pending login as a code (same
  expiry, same count of failures) and ends in the same ``finish_login()``: a new session
  key, rule 9 checked again;
- a passkey-only login is refused unless the setting is on; its address is held by the
  login throttle before anything is checked, the account's own wait applies once the
  passkey named it, and only an active, unblocked, unexpired, assigned portal user who is
  not staff gets in, through a new pending login (a new key) and ``finish_login()``;
- adding a passkey needs an OTP-verified portal session and the current password, asked
  again on the page before the ceremony (as for backup codes and the authenticator app);
- removing one is a POST with the password, refused for the last second factor;
- a wrong password on either counts against the login throttle (``form.confirm()``).
"""

from __future__ import annotations

import json
import time

from django import forms
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ... import conf, services
from ...permissions import is_staff_login
from ...services import accounts, passkeys
from ...services.access import client_ip
from .. import session, throttle
from ..access import VerifiedUserMixin, is_verified
from ..forms import PasswordConfirmForm
from .login import NEXT, _safe_next, finish_login

AUTH_STATE = "clientportal_passkey_auth"
REGISTER_GRANT = "clientportal_passkey_register"
REGISTER_STATE = "clientportal_passkey_register_state"
MAX_BODY = 64 * 1024  # a WebAuthn answer is a few kilobytes


def error(code: str) -> JsonResponse:
    failure = passkeys.PasskeyError(code)
    return JsonResponse({"code": code, "detail": failure.message}, status=failure.status)


def _body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise passkeys.PasskeyError(passkeys.MALFORMED)
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise passkeys.PasskeyError(passkeys.MALFORMED) from None
    if not isinstance(data, dict):
        raise passkeys.PasskeyError(passkeys.MALFORMED)
    return data


def _pop(request, key: str):
    """Take a ceremony's state out of the session, saved at once: it is never used twice."""
    value = request.session.pop(key, None)
    if value is not None:
        request.session.save()
    if not isinstance(value, dict) or int(time.time()) - int(value.get("at", 0)) > (
        conf.login_timeout()
    ):
        raise passkeys.PasskeyError(passkeys.INVALID_STATE)
    return value


class JsonView(View):
    """POST only; a ``PasskeyError`` becomes its JSON answer."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except passkeys.PasskeyError as failure:
            return error(failure.code)


# --- login -----------------------------------------------------------------------------------


class LoginBeginView(JsonView):
    """After the password: the pending person's passkeys. Otherwise (or ``{"alone": true}``,
    the login page's button): a passkey-only login, if the firm allows it."""

    def post(self, request):
        body = _body(request)
        # The login page's button asks for the passkey alone, even with a password step
        # left pending in this browser; the code page's button is the second factor.
        user = None if body.get("alone") else session.load(request, session.PENDING_LOGIN)
        if user is None:
            if not conf.passkey_login():
                raise passkeys.PasskeyError(passkeys.PASSKEY_LOGIN_DISABLED)
            if throttle.address_wait(client_ip(request)):
                raise passkeys.PasskeyError(passkeys.THROTTLED)
        elif not passkeys.has_passkeys(user):
            raise passkeys.PasskeyError(passkeys.NOT_RECOGNISED)
        next_url = body.get(NEXT) if user is None else None  # after a password: its own
        options, state = passkeys.begin_authentication(request, user)
        request.session[AUTH_STATE] = {
            "state": state,
            "uid": str(user.pk) if user else "",
            "next": _safe_next(request, next_url) if isinstance(next_url, str) else None,
            "at": int(time.time()),
        }
        return JsonResponse(options)


class LoginCompleteView(JsonView):
    def post(self, request):
        data = _body(request)
        stored = _pop(request, AUTH_STATE)
        if stored.get("uid"):
            return self._second_factor(request, stored, data)
        return self._passkey_only(request, stored, data)

    def _second_factor(self, request, stored, data):
        user = session.load(request, session.PENDING_LOGIN)
        if user is None or str(user.pk) != stored["uid"]:
            raise passkeys.PasskeyError(passkeys.LOGIN_EXPIRED)
        try:
            credential = passkeys.complete_authentication(
                request, user, stored["state"], data.get("credential")
            )
        except passkeys.PasskeyError:
            # Counted with the wrong codes: after as many, the login starts again.
            failures = session.get(request, session.PENDING_LOGIN, session.CODE_FAILURES, 0) + 1
            if failures >= session.MAX_CODE_FAILURES:
                session.clear(request, session.PENDING_LOGIN)
                raise passkeys.PasskeyError(passkeys.LOGIN_EXPIRED) from None
            session.update(request, session.PENDING_LOGIN, **{session.CODE_FAILURES: failures})
            raise
        next_url = finish_login(request, user, credential)
        if next_url is None:
            raise passkeys.PasskeyError(passkeys.NO_ACCESS)
        return JsonResponse({"redirect": next_url})

    def _passkey_only(self, request, stored, data):
        if not conf.passkey_login():  # switched off since the ceremony began
            raise passkeys.PasskeyError(passkeys.PASSKEY_LOGIN_DISABLED)
        ip = client_ip(request)
        if throttle.address_wait(ip):
            raise passkeys.PasskeyError(passkeys.THROTTLED)
        try:
            credential = passkeys.complete_authentication(
                request, None, stored["state"], data.get("credential")
            )
        except passkeys.PasskeyError:
            throttle.record_address_failure(ip)
            raise
        user = credential.user
        email = getattr(user, user.get_email_field_name(), "") or user.get_username()
        if throttle.login_wait(email, ip):
            raise passkeys.PasskeyError(passkeys.THROTTLED)
        if is_staff_login(user) or not accounts.is_portal_login(user):
            # Staff never use the portal; answered like an unknown passkey.
            throttle.record_login_failure(email, ip)
            raise passkeys.PasskeyError(passkeys.NOT_RECOGNISED)
        if not accounts.has_usable_membership(user):
            raise passkeys.PasskeyError(passkeys.NO_ACCESS)
        throttle.login_succeeded(email, ip)
        # Another person's login left in this browser ends here (as at the password step).
        if request.user.is_authenticated and request.user.pk != user.pk:
            auth_logout(request)
        # The same way in as after a password: a pending login (a new key), then login().
        session.start(request, session.PENDING_LOGIN, user, next=stored.get("next"))
        next_url = finish_login(request, user, credential)
        if next_url is None:
            raise passkeys.PasskeyError(passkeys.NO_ACCESS)
        return JsonResponse({"redirect": next_url})


# --- account: add, remove --------------------------------------------------------------------


class PasskeyAddForm(PasswordConfirmForm):
    name = forms.CharField(
        label=gettext_lazy("Name of the passkey"),
        max_length=passkeys.NAME_MAX_LENGTH,
        help_text=gettext_lazy("For example the device it is on: “Laptop”, “Phone”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    field_order = ["name", "password"]


class PasskeyAddView(VerifiedUserMixin):
    """The password first (as for every security change), then the browser's ceremony."""

    template_name = "wagtail_clientportal/portal/passkey_add.html"

    def get(self, request):
        form = PasskeyAddForm(initial={"name": _("Passkey")})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = PasskeyAddForm(request.POST)
        status = form.confirm(request)
        if status:
            return render(request, self.template_name, {"form": form}, status=status)
        request.session[REGISTER_GRANT] = {
            "uid": str(request.user.pk),
            "name": form.cleaned_data["name"],
            "at": int(time.time()),
        }
        return render(request, self.template_name, {"granted": True})


class RegisterMixin(JsonView):
    """An OTP-verified portal session that confirmed its password for this moments ago."""

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return self.http_method_not_allowed(request)
        if not is_verified(request.user):
            return error(passkeys.NOT_VERIFIED)
        if not services.accessible_portal_users(request.user).exists():
            return error(passkeys.NO_ACCESS)
        grant = request.session.get(REGISTER_GRANT)
        if (
            not isinstance(grant, dict)
            or grant.get("uid") != str(request.user.pk)
            or int(time.time()) - int(grant.get("at", 0)) > conf.login_timeout()
        ):
            return error(passkeys.PASSWORD_REQUIRED)
        self.grant = grant
        return super().dispatch(request, *args, **kwargs)


class RegisterBeginView(RegisterMixin):
    def post(self, request):
        options, state = passkeys.begin_registration(request, request.user)
        request.session[REGISTER_STATE] = {"state": state, "at": int(time.time())}
        return JsonResponse(options)


class RegisterCompleteView(RegisterMixin):
    def post(self, request):
        data = _body(request)
        stored = _pop(request, REGISTER_STATE)
        passkeys.complete_registration(
            request, request.user, stored["state"], data.get("credential"), self.grant["name"]
        )
        request.session.pop(REGISTER_GRANT, None)
        messages.success(request, _("The passkey has been added."))
        return JsonResponse({"redirect": reverse("wagtail_clientportal:account")})


class PasskeyRemoveView(VerifiedUserMixin):
    template_name = "wagtail_clientportal/portal/passkey_remove.html"

    def _passkey(self, passkey_id):
        credential = passkeys.find_passkey(self.request.user, passkey_id)
        if credential is None:  # unknown, or another person's
            raise Http404
        return credential

    def get(self, request, passkey_id):
        credential = self._passkey(passkey_id)
        context = {"form": PasswordConfirmForm(), "passkey": credential}
        return render(request, self.template_name, context)

    def post(self, request, passkey_id):
        credential = self._passkey(passkey_id)
        form = PasswordConfirmForm(request.POST)
        status = form.confirm(request)
        if not status:
            try:
                passkeys.remove_passkey(request.user, credential)
            except passkeys.PasskeyError as failure:
                form.add_error(None, failure.message)
                status = failure.status
        if status:
            context = {"form": form, "passkey": credential}
            return render(request, self.template_name, context, status=status)
        messages.success(request, _("The passkey has been removed."))
        return redirect("wagtail_clientportal:account")
