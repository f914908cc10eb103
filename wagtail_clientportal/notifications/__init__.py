"""Emails of the package. Callers use only the functions here.

Every function is called inside the caller's transaction and sends nothing
until it commits, so a rolled-back change never emails anyone.
"""

from __future__ import annotations

from django.db import transaction

from .. import conf
from .render import render_message


def queue_activation(portal_user) -> None:
    """The activation link for a new (or re-invited) portal user."""
    from ..portal.tokens import activation_url

    context = {"portal_user": portal_user, "activation_url": activation_url(portal_user.user)}
    _send_on_commit("activation", portal_user.email, context, language=None)


def queue_password_reset(user, reset_url: str) -> None:
    """A password-reset link; callers send it whether or not they found the address's owner."""
    _send_on_commit("password_reset", _email_of(user), {"user": user, "reset_url": reset_url}, None)


def send_login_code(user, code: str, valid_minutes: int) -> None:
    """A one-time login code: sent at once (the person is waiting on the code screen)."""
    context = {"user": user, "code": code, "valid_minutes": valid_minutes}
    render_message("login_code", _email_of(user), context, None).send(using=conf.mailer())


def _email_of(user) -> str:
    return getattr(user, user.get_email_field_name())


def _send_on_commit(kind: str, recipient: str, context: dict, language: str | None) -> None:
    message = render_message(kind, recipient, context, language)
    transaction.on_commit(lambda: message.send(using=conf.mailer()))
