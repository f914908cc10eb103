"""Emails as template prefixes: ``email/<kind>_subject.txt``, ``_message.txt``, ``_message.html``.

A host project overrides any of them by putting a template with the same name
earlier in its template search path.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from .. import conf

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
    with translation.override(language or translation.get_language()):
        subject = " ".join(render_to_string(f"{PREFIX}{kind}_subject.txt", context).split())
        body = render_to_string(f"{PREFIX}{kind}_message.txt", context)
        try:
            html = render_to_string(f"{PREFIX}{kind}_message.html", context)
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(subject, body, to=[recipient])
    if html:
        message.attach_alternative(html, "text/html")
    return message
