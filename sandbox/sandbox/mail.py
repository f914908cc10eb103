"""A console mailer for the sandbox that prints emails as a person reads them.

Django's console backend prints the raw MIME message: Polish text is sent as
quoted-printable, so ``Dzień`` becomes ``Dzie=C5=84`` and a long activation link is
cut by a soft line break (``…=\\n…``) and cannot be clicked or pasted as printed.
This backend prints the headers and the plain-text body as Python strings instead,
each link whole on its line, and only names the HTML part and the attachments.

``hold()`` keeps what would be printed so that ``load_demo`` can print its logins
first and the emails after them.
"""

import contextlib
import contextvars
from collections.abc import Iterator

from django.core.mail.backends import console

_held: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("held", default=None)


def readable(message) -> str:
    """The message as text: headers, the plain-text body, then what else it carries."""
    lines = [
        f"From: {message.from_email}",
        f"To: {', '.join(message.to)}",
        f"Subject: {message.subject}",
        "",
        message.body.rstrip("\n"),
    ]
    for alternative in getattr(message, "alternatives", []):
        content, mimetype = alternative[0], alternative[1]
        lines.append(f"[{mimetype} version: {len(content)} characters, not shown]")
    for attachment in message.attachments:
        # An EmailAttachment (filename, content, mimetype) or a MIME part.
        name = attachment[0] if isinstance(attachment, tuple) else attachment.get_filename()
        lines.append(f"[attachment: {name}]")
    return "\n".join(lines) + "\n" + "-" * 79 + "\n"


@contextlib.contextmanager
def hold() -> Iterator[list[str]]:
    """Collect the emails printed inside the block instead of printing them."""
    held: list[str] = []
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


class EmailBackend(console.EmailBackend):
    def write_message(self, message):
        text = readable(message)
        held = _held.get()
        if held is None:
            self.stream.write(text)
        else:
            held.append(text)
