"""Forms of the client-facing site; every label and message is translatable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice

from ..services import accounts

# django-otp ships no Polish catalogue: its user-facing messages, in the package's own words.
CODE_MESSAGES = {
    accounts.CODE_REQUIRED: _("Enter the code."),
    accounts.CODE_DEVICE_REQUIRED: _("Choose how you confirm your login."),
    accounts.CODE_INVALID: _("Invalid code. Please make sure you have entered it correctly."),
    accounts.CODE_NOT_ALLOWED: _("Verification of the code is currently disabled."),
}


def code_error(reason: str, extra: dict) -> str:
    if reason == accounts.CODE_THROTTLED:
        count = extra.get("failure_count", 1)
        return ngettext(
            "Verification temporarily disabled because of %(count)d failed attempt, "
            "please try again soon.",
            "Verification temporarily disabled because of %(count)d failed attempts, "
            "please try again soon.",
            count,
        ) % {"count": count}
    return str(CODE_MESSAGES.get(reason, CODE_MESSAGES[accounts.CODE_INVALID]))


def device_label(device) -> str:
    if isinstance(device, EmailDevice):
        return str(_("Code sent to my email address"))
    if isinstance(device, StaticDevice):
        return str(_("Backup code"))
    return str(_("Code from the authenticator app"))


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    device = forms.ChoiceField(label=_("How do you confirm your login?"), widget=forms.RadioSelect)
    # Not inputmode="numeric": backup codes have letters, and a phone's number pad
    # would not let them be typed.
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, devices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].choices = [(d.persistent_id, device_label(d)) for d in devices]
        if devices and not self.is_bound:
            self.initial.setdefault("device", devices[0].persistent_id)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SecondFactorChoiceForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How do you want to confirm your logins?"),
        widget=forms.RadioSelect,
        initial="email",
        choices=[
            ("email", _("A code sent to my email address (recommended)")),
            ("totp", _("A code from an authenticator app on my phone")),
        ],
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def confirm(self, request) -> int:
        """0 when the form is valid and holds the person's current password; otherwise
        the status to answer with (the error is on the form).

        Counted as at the login (same throttle, same wait): a stolen session must not try
        passwords here without limit, to get a second factor of its own (a passkey,
        backup codes, an authenticator) that outlives the session.
        """
        from ..services.access import client_ip
        from . import throttle

        if not self.is_valid():
            return 400
        user = request.user
        email = getattr(user, user.get_email_field_name(), "") or user.get_username()
        ip = client_ip(request)
        if throttle.login_wait(email, ip):
            self.add_error(
                "password", _("Too many failed login attempts. Please wait and try again later.")
            )
            return 429
        if not user.check_password(self.cleaned_data["password"]):
            throttle.record_login_failure(email, ip)
            self.add_error("password", _("The password is incorrect."))
            return 400
        return 0


class TokenAndPasswordForm(TokenForm, PasswordConfirmForm):
    """Replacing the authenticator from the account page: a logged-in session alone
    must not be enough to swap the person's second factor."""


class PortalSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by title"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, kinds, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]
