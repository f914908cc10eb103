"""Activation: a valid link lets the person set a password, then set up a second factor
(email code by default, or an authenticator app), then see their backup codes once."""

from __future__ import annotations

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views import View

from ... import conf, services
from ...services import accounts
from .. import session
from ..access import is_verified
from ..forms import SecondFactorChoiceForm, TokenForm, code_error
from ..tokens import activation_token_generator

SETUP_DEVICE = "device"


def _user_from(uidb64: str):
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return get_user_model()._default_manager.get(pk=pk)
    except (ValueError, TypeError, OverflowError, ValidationError, get_user_model().DoesNotExist):
        return None


class ActivateView(View):
    template_name = "wagtail_clientportal/portal/activate.html"

    def dispatch(self, request, uidb64, token):
        self.user = _user_from(uidb64)
        self.reason = activation_token_generator.check_token_reason(self.user, token)
        if self.reason is None and (
            # Only a login that never had a password is activated by link; anything
            # else would let a mailbox reader replace an existing password and factor.
            self.user.has_usable_password() or not self.user.clientportal_memberships.exists()
        ):
            self.reason = "invalid"
        if self.reason:
            return render(request, self.template_name, {"reason": self.reason}, status=400)
        return super().dispatch(request, uidb64, token)

    def get(self, request, uidb64, token):
        return self._render(SetPasswordForm(self.user))

    def post(self, request, uidb64, token):
        form = SetPasswordForm(self.user, request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        services.activate_login(self.user, form.cleaned_data["new_password1"])
        self.user.refresh_from_db()
        # Someone else's login in this browser (planted or left behind) ends here, as at
        # the portal's login: the person activating must never find themselves in it.
        if request.user.is_authenticated and request.user.pk != self.user.pk:
            auth_logout(request)
        session.start(request, session.PENDING_SETUP, self.user)  # a new session key
        return redirect("wagtail_clientportal:setup")

    def _render(self, form, status=200):
        return render(
            request=self.request,
            template_name=self.template_name,
            context={"form": form, "step": 1, "account": self.user.get_username()},
            status=status,
        )


def totp_url(device) -> str:
    """django-otp's ``otpauth://`` URL; the firm's name is the issuer unless
    ``OTP_TOTP_ISSUER`` is set, so the app shows whose code it is."""
    from urllib.parse import quote

    from django.conf import settings

    url = device.config_url
    if getattr(settings, "OTP_TOTP_ISSUER", None):
        return url
    issuer = conf.firm_name().replace(":", "")
    label = quote(f"{issuer}:{device.user.get_username()}")
    return f"otpauth://totp/{label}?{url.split('?', 1)[1]}&issuer={quote(issuer)}"


def totp_qr_svg(device) -> str:
    """The authenticator app's QR code as inline SVG markup (no script, no external image)."""
    return segno.make(totp_url(device), error="m").svg_inline(scale=4, dark="#1b1f24")


class SetupMixin(View):
    """The user who just set a password (activation) or a verified user (account page)."""

    def dispatch(self, request, *args, **kwargs):
        self.user = session.load(request, session.PENDING_SETUP)
        if self.user is None and is_verified(request.user):
            # The step was finished in this browser (a reload of the backup codes, the
            # back button): the person is logged in, nothing has expired.
            messages.info(
                request,
                _(
                    "Your account is already set up. New backup codes can be made on "
                    "the account page."
                ),
            )
            return redirect("wagtail_clientportal:choose")
        if self.user is None:
            messages.error(request, _("This step has expired. Log in to continue."))
            return redirect("wagtail_clientportal:login")
        return super().dispatch(request, *args, **kwargs)


class SetupView(SetupMixin):
    template_name = "wagtail_clientportal/portal/setup.html"

    def get(self, request):
        return render(request, self.template_name, self._context(SecondFactorChoiceForm()))

    def _context(self, form) -> dict:
        return {"form": form, "step": 2, "account": self.user.get_username()}

    def post(self, request):
        form = SecondFactorChoiceForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self._context(form), status=400)
        if form.cleaned_data["method"] == "totp":
            device = accounts.start_totp_setup(self.user)
        else:
            device = accounts.ensure_email_device(self.user, confirmed=False)
            sent, _next = accounts.send_email_code(device)
            if not sent:
                messages.info(
                    request, _("A code was sent a moment ago; use the one in your email.")
                )
        session.update(request, session.PENDING_SETUP, **{SETUP_DEVICE: device.persistent_id})
        return redirect("wagtail_clientportal:setup_verify")


class SetupVerifyView(SetupMixin):
    template_name = "wagtail_clientportal/portal/setup_verify.html"

    def _device(self):
        persistent_id = session.get(self.request, session.PENDING_SETUP, SETUP_DEVICE)
        return accounts.find_device(self.user, persistent_id, confirmed=None)

    def _render(self, form, device, status=200):
        context = {
            "form": form,
            "device": device,
            "is_totp": device.__class__.__name__ == "TOTPDevice",
            "step": 2,
            "account": self.user.get_username(),
        }
        if context["is_totp"]:
            context["qr_svg"] = totp_qr_svg(device)
            context["secret"] = _b32(device)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        device = self._device()
        if device is None:
            return redirect("wagtail_clientportal:setup")
        return self._render(TokenForm(), device)

    def post(self, request):
        device = self._device()
        if device is None:
            return redirect("wagtail_clientportal:setup")
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self._render(form, device, status=400)
        ok, reason, extra = accounts.verify_code(device, form.cleaned_data["token"])
        if not ok:
            form.add_error("token", code_error(reason, extra))
            return self._render(form, device, status=429 if reason == "n_failed_attempts" else 400)
        device = extra["device"]
        accounts.confirm_device(device)
        codes = accounts.regenerate_backup_codes(self.user)
        session.clear(request, session.PENDING_SETUP)
        # Device confirmed: a privilege step, and login() gives the session a new key.
        auth_login(request, self.user, backend="django.contrib.auth.backends.ModelBackend")
        django_otp.login(request, device)
        session.begin_verified(request)
        return render(
            request,
            "wagtail_clientportal/portal/backup_codes.html",
            {
                "codes": codes,
                "activation": True,
                "firm": conf.firm_name(),
                "step": 3,
                "account": self.user.get_username(),
                "passkey_add_url": reverse("wagtail_clientportal:passkey_add"),
            },
        )


def _b32(device) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
