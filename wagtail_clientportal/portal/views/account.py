"""The person's own account: password, second factors, log out everywhere."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ...services import accounts, passkeys
from ...services.access import client_ip
from .. import throttle
from ..access import VerifiedUserMixin
from ..forms import PasswordConfirmForm, TokenAndPasswordForm, code_error
from .activation import _b32, totp_qr_svg

TOTP_SETUP = "clientportal_totp_setup"


class AccountView(VerifiedUserMixin):
    template_name = "wagtail_clientportal/portal/account.html"

    def get(self, request):
        devices = accounts.confirmed_devices(request.user)
        context = {
            "has_email": any(d.__class__.__name__ == "EmailDevice" for d in devices),
            "has_totp": any(d.__class__.__name__ == "TOTPDevice" for d in devices),
            "backup_codes_left": accounts.backup_codes_left(request.user),
            "passkeys": passkeys.passkeys_of(request.user),
            "memberships": self.memberships,
        }
        return render(request, self.template_name, context)


class PasswordChangeView(VerifiedUserMixin):
    template_name = "wagtail_clientportal/portal/password_change.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordChangeForm(request.user)})

    def post(self, request):
        # The old password is counted as at the login (``PasswordConfirmForm.confirm``):
        # a stolen session must not guess it without limit and lock the person out.
        user = request.user
        email = getattr(user, user.get_email_field_name(), "") or user.get_username()
        ip = client_ip(request)
        form = PasswordChangeForm(user, request.POST)
        if throttle.login_wait(email, ip):
            form.is_valid()  # bound and checked, so the page can show the error
            form.add_error(
                None, _("Too many failed login attempts. Please wait and try again later.")
            )
            return render(request, self.template_name, {"form": form}, status=429)
        if not form.is_valid():
            if "old_password" in form.errors:
                throttle.record_login_failure(email, ip)
            return render(request, self.template_name, {"form": form}, status=400)
        accounts.change_password(request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("wagtail_clientportal:account")


class TotpSetupView(VerifiedUserMixin):
    template_name = "wagtail_clientportal/portal/setup_verify.html"

    def _device(self):
        return accounts.find_device(
            self.request.user, self.request.session.get(TOTP_SETUP), confirmed=False
        )

    def _render(self, form, device, status=200):
        context = {
            "form": form,
            "device": device,
            "is_totp": True,
            "qr_svg": totp_qr_svg(device),
            "secret": _b32(device),
            "from_account": True,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        device = self._device()
        if device is None:
            device = accounts.start_totp_setup(request.user)
            request.session[TOTP_SETUP] = device.persistent_id
        return self._render(TokenAndPasswordForm(), device)

    def post(self, request):
        device = self._device()
        if device is None:
            return redirect("wagtail_clientportal:account_totp")
        form = TokenAndPasswordForm(request.POST)
        status = form.confirm(request)
        if status:
            return self._render(form, device, status=status)
        ok, reason, extra = accounts.verify_code(device, form.cleaned_data["token"])
        if not ok:
            form.add_error("token", code_error(reason, extra))
            return self._render(form, device, status=400)
        accounts.confirm_device(extra["device"])
        request.session.pop(TOTP_SETUP, None)
        messages.success(request, _("The authenticator app is set up."))
        return redirect("wagtail_clientportal:account")


class BackupCodesView(VerifiedUserMixin):
    template_name = "wagtail_clientportal/portal/backup_codes_confirm.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordConfirmForm()})

    def post(self, request):
        form = PasswordConfirmForm(request.POST)
        status = form.confirm(request)
        if status:
            if not form.errors:  # an empty password: the same answer as a wrong one
                form.add_error("password", _("The password is incorrect."))
            return render(request, self.template_name, {"form": form}, status=status)
        codes = accounts.regenerate_backup_codes(request.user)
        return render(request, "wagtail_clientportal/portal/backup_codes.html", {"codes": codes})


class LogoutEverywhereView(VerifiedUserMixin):
    template_name = "wagtail_clientportal/portal/logout_everywhere.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordConfirmForm()})

    def post(self, request):
        form = PasswordConfirmForm(request.POST)
        if not form.is_valid() or not accounts.log_out_everywhere(
            request.user, form.cleaned_data["password"]
        ):
            form.add_error("password", _("The password is incorrect."))
            return render(request, self.template_name, {"form": form}, status=400)
        auth_logout(request)
        messages.success(request, _("You have been logged out on every device."))
        return redirect("wagtail_clientportal:login")
