"""Signed, expiring, single-use activation links.

Built on Django's password-reset tokens: the hash covers the password and last
login, so setting the password on activation makes the link unusable, and a
timestamp inside the token limits its age (``WAGTAILCLIENTPORTAL_ACTIVATION_TIMEOUT``).
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from .. import conf


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "wagtail_clientportal.portal.tokens.ActivationTokenGenerator"

    def check_token(self, user, token) -> bool:
        return self.check_token_reason(user, token) is None

    def check_token_reason(self, user, token) -> str | None:
        """None when valid, else ``"invalid"`` (tampered, used, another user's) or ``"expired"``."""
        if not (user and token) or token.count("-") != 1:
            return "invalid"
        ts_b36, _hash = token.split("-")
        try:
            ts = base36_to_int(ts_b36)
        except ValueError:
            return "invalid"
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return "invalid"
        if (self._num_seconds(self._now()) - ts) > conf.activation_timeout():
            return "expired"
        return None


activation_token_generator = ActivationTokenGenerator()


def activation_path(user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = activation_token_generator.make_token(user)
    return reverse("wagtail_clientportal:activate", kwargs={"uidb64": uidb64, "token": token})


def activation_url(user) -> str:
    """Absolute link for emails; the host is ``WAGTAILCLIENTPORTAL_BASE_URL``."""
    return conf.base_url().rstrip("/") + activation_path(user)


def password_reset_url(user) -> str:
    """Absolute password-reset link, made when the email is rendered (never stored)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse(
        "wagtail_clientportal:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}
    )
    return conf.base_url().rstrip("/") + path
