"""Passkeys (WebAuthn credentials of ``django-otp-webauthn``): add, use, list, remove.

The library's own views and URLs are not used: they would log a person in outside the
portal's rules (no throttle, no rule 9, no new session key at each step, no refusal of
people without portal access). The portal's views call the functions here, which use the
library's ``WebAuthnHelper`` for the ceremonies (options, verification, storage) and its
``WebAuthnCredential`` model, a django-otp device: ``django_otp.login(request, credential)``
marks the session verified like any other second factor.

Expected refusals raise ``PasskeyError`` with a stable ``code`` (``PASSKEY_ERRORS``);
the views turn it into a JSON answer with the translated message and its status.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions as webauthn_exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import ResidentKeyRequirement

from .. import conf
from . import audit

NAME_MAX_LENGTH = 64  # django-otp's Device.name

# Stable codes of the refusals, with what the person is told.
NOT_VERIFIED = "not_verified"
PASSWORD_REQUIRED = "password_required"
PASSKEY_LOGIN_DISABLED = "passkey_login_disabled"
LOGIN_EXPIRED = "login_expired"
INVALID_STATE = "invalid_state"
NOT_RECOGNISED = "not_recognised"
MALFORMED = "malformed"
THROTTLED = "throttled"
NO_ACCESS = "no_access"
LAST_SECOND_FACTOR = "last_second_factor"

PASSKEY_ERRORS = {
    NOT_VERIFIED: (_("Please log in with your second step first."), 403),
    PASSWORD_REQUIRED: (_("Please confirm the change with your password first."), 403),
    PASSKEY_LOGIN_DISABLED: (_("Logging in with a passkey alone is not enabled."), 403),
    LOGIN_EXPIRED: (_("Your login has expired. Log in again."), 403),
    INVALID_STATE: (_("This attempt has expired. Please try again."), 400),
    NOT_RECOGNISED: (_("The passkey was not recognised."), 400),
    MALFORMED: (_("The answer of the browser could not be read. Please try again."), 400),
    THROTTLED: (_("Too many failed login attempts. Please wait and try again later."), 429),
    NO_ACCESS: (
        _("You have no access to the client portal at the moment. Contact the firm."),
        403,
    ),
    LAST_SECOND_FACTOR: (
        _(
            "This passkey is your only second step of logging in, so it cannot be removed. "
            "Add another passkey or an authenticator app first."
        ),
        400,
    ),
}


class PasskeyError(Exception):
    """An expected refusal: ``code`` is one of ``PASSKEY_ERRORS``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(PASSKEY_ERRORS[self.code][0])

    @property
    def status(self) -> int:
        return PASSKEY_ERRORS[self.code][1]


class PortalWebAuthnHelper(WebAuthnHelper):
    """The library's helper with the portal's choices.

    Discoverable credentials are required only when the firm allows a passkey-only login
    (``WAGTAILCLIENTPORTAL_PASSKEY_LOGIN``), which needs them; otherwise any passkey or
    security key may serve as a second factor. The relying party's name defaults to the
    firm's name.
    """

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        if conf.passkey_login():
            return ResidentKeyRequirement.REQUIRED
        return ResidentKeyRequirement.PREFERRED

    def get_relying_party_name(self) -> str:
        return super().get_relying_party_name() or conf.firm_name()


def helper(request) -> PortalWebAuthnHelper:
    return PortalWebAuthnHelper(request=request)


def passkeys_of(user):
    """The person's passkeys, newest first (name, created, last used for the account page)."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-pk")


def has_passkeys(user) -> bool:
    return passkeys_of(user).exists()


def _checked(data):
    if not isinstance(data, dict):
        raise PasskeyError(MALFORMED)
    return data


# --- registration ----------------------------------------------------------------------------


def begin_registration(request, user) -> tuple[dict, dict]:
    """Options for the browser's ``navigator.credentials.create()`` and the state to keep."""
    return helper(request).register_begin(user=user)


@transaction.atomic
def complete_registration(request, user, state: dict, data, name: str) -> WebAuthnCredential:
    """Verify the browser's answer and store the new passkey under ``name``."""
    data = _checked(data)
    try:
        with rewrite_exceptions():
            credential = helper(request).register_complete(user=user, state=state, data=data)
    except (webauthn_exceptions.OTPWebAuthnApiError, WebAuthnException, KeyError, ValueError):
        raise PasskeyError(NOT_RECOGNISED) from None
    credential.name = (name or "").strip()[:NAME_MAX_LENGTH] or str(_("Passkey"))
    credential.save(update_fields=["name"])
    audit.passkey_changed(user, audit.USER_PASSKEY_ADD, credential.name)
    return credential


# --- authentication --------------------------------------------------------------------------


def begin_authentication(request, user=None) -> tuple[dict, dict]:
    """Options for ``navigator.credentials.get()``: ``user``'s passkeys (second factor), or
    any passkey of this site with user verification required (passkey-only login)."""
    return helper(request).authenticate_begin(user=user, require_user_verification=user is None)


def complete_authentication(request, user, state: dict, data) -> WebAuthnCredential:
    """The passkey that answered, verified against ``state`` (and owned by ``user`` if given).

    Any failure (unknown passkey, another person's, a wrong signature, a replayed or
    malformed answer) is the one refusal ``NOT_RECOGNISED``: the browser learns nothing
    about whose passkey it was.
    """
    data = _checked(data)
    try:
        with rewrite_exceptions():
            credential = helper(request).authenticate_complete(user=user, state=state, data=data)
    except (webauthn_exceptions.OTPWebAuthnApiError, WebAuthnException, KeyError, ValueError):
        raise PasskeyError(NOT_RECOGNISED) from None
    if not credential.confirmed or not credential.user.is_active:
        raise PasskeyError(NOT_RECOGNISED)
    return credential


# --- removal ---------------------------------------------------------------------------------


def has_other_second_factor(user, *, excluding: WebAuthnCredential) -> bool:
    """Whether ``user`` keeps a second factor besides ``excluding``: another passkey, an
    authenticator app or codes by email. Backup codes alone do not count: they run out."""
    from django_otp.plugins.otp_email.models import EmailDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return (
        passkeys_of(user).exclude(pk=excluding.pk).exists()
        or TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or EmailDevice.objects.filter(user=user, confirmed=True).exists()
    )


def find_passkey(user, pk) -> WebAuthnCredential | None:
    """``user``'s own passkey ``pk``; never another person's."""
    return passkeys_of(user).filter(pk=pk).first()


@transaction.atomic
def remove_passkey(user, credential: WebAuthnCredential) -> None:
    """Delete ``credential`` unless it is the person's last second factor.

    The caller has checked the person's password (``PasswordConfirmForm``); the row is
    locked and read again, so two removals at once cannot both pass the check.
    """
    locked = WebAuthnCredential.objects.select_for_update().filter(pk=credential.pk, user=user)
    credential = locked.first()
    if credential is None:
        return
    # Every passkey of the person is locked: the check below sees the others as they are.
    list(WebAuthnCredential.objects.select_for_update().filter(user=user).values_list("pk"))
    if not has_other_second_factor(user, excluding=credential):
        raise PasskeyError(LAST_SECOND_FACTOR)
    audit.passkey_changed(user, audit.USER_PASSKEY_REMOVE, credential.name)
    credential.delete()
