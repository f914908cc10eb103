"""Emails as template prefixes: ``email/<kind>_subject.txt``, ``_message.txt``, ``_message.html``.

A host project overrides any of them by putting a template with the same name
earlier in its template search path.
"""

from __future__ import annotations

import re

from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from .. import conf, contact, typography

PREFIX = "wagtail_clientportal/email/"


def render_message(kind: str, recipient: str, context: dict, language: str | None = None):
    """One message to one recipient, rendered in ``language`` (the site's default when None)."""
    context = {
        "firm_name": conf.firm_name(),
        "firm_logo": conf.firm_logo(),
        "firm_footer": conf.email_footer(),
        "base_url": conf.base_url(),
        **context,
    }
    context.setdefault("contact", contact.for_client(_client_of(context)))
    with translation.override(language or translation.get_language()):
        _format_dates(context)
        subject = subject_line(render_to_string(f"{PREFIX}{kind}_subject.txt", context))
        body = typography.text(render_to_string(f"{PREFIX}{kind}_message.txt", context))
        try:
            html = typography.html(render_to_string(f"{PREFIX}{kind}_message.html", context))
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(subject, body, to=[recipient])
    if html:
        message.attach_alternative(html, "text/html")
    return message


#: Dates kept in an outbox row's JSON context as ISO strings, shown in the email's
#: language ("16 listopada 2026" in Polish, not "2026-11-16").
DATE_KEYS = ("due_on", "expires_on")


def _format_dates(context: dict) -> None:
    import datetime

    from django.utils.formats import date_format

    for key in DATE_KEYS:
        value = context.get(key)
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                continue
        if isinstance(value, datetime.date):
            context[key] = date_format(value, "DATE_FORMAT")


def _client_of(context: dict):
    """The client an email concerns (its contact person is named in the footer), if any."""
    if context.get("contact_client") is not None:
        return context["contact_client"]
    for key in ("portal", "portal_user"):
        if getattr(context.get(key), "client_id", None):
            return context[key].client
    return None


def subject_line(rendered: str) -> str:
    """One line, with the typography of the body.

    The no-break space before a dash also keeps the space itself: when the words on
    either side are RFC 2047 encoded, a plain space between two encoded words is
    dropped by the reader ("„Dokumenty”— Kancelaria"), a no-break space is part of
    the encoded word.
    """
    return typography.text(" ".join(re.split(r"[ \t\r\n]+", rendered.strip())))
