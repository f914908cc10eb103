"""A notification as staff may read it in the admin: the text, never a code or a link.

The message is rendered by ``delivery.build_message(preview=True)``, which puts
``LINK`` and ``CODE`` where an activation, reset or portal link or a login code
would be, so no token is ever made for the preview. The rendered text is then
redacted once more (any URL, any run of six digits): a host project's template
may print a link of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

LINK = _("[link]")
CODE = _("[code]")
URL = re.compile(r"(?:https?://|www\.)\S+|/(?:[\w.-]+/)*(?:activate|password-reset)/\S*", re.I)
DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")


@dataclass(frozen=True)
class Preview:
    subject: str
    body: str


def redact(text: str) -> str:
    return DIGITS.sub(str(CODE), URL.sub(str(LINK), text))


def preview(notification) -> Preview | None:
    """The row's message with links and codes replaced; None when it can no longer be made."""
    from .delivery import Undeliverable, build_message

    try:
        message = build_message(notification, preview=True)
    except (Undeliverable, KeyError):
        return None  # its portal or person is gone, or the row is from an older version
    return Preview(subject=redact(message.subject), body=redact(message.body))
