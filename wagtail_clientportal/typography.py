"""Polish typography for what the client reads: no line break after a one-letter word.

Polish typesetting keeps a dash with the word before it, the one-letter words
(a, i, o, u, w, z) with the word that follows, and "Sp. z o.o." in one piece; on a
phone "z / kancelarią" or "Sp. z / o.o." at the end of a line reads as an error.
Applied to rendered text (the portal's pages through the ``{% nbsp %}`` block tag,
the emails in ``notifications.render``), never inside tags, attributes, scripts or
form fields.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
_SINGLE = re.compile(r"(?<![\w.\-])([aiouwzAIOUWZ]) (?=\S)")
_COMPANY = re.compile(r"\bSp\. z o\.o\.")
# A dash never starts a line: it stays with the word before it.
_DASH = re.compile(r" (?=[—–] )")
# Text between tags, and the elements whose content is not prose.
_TAG = re.compile(r"(<[^>]*>)")
_RAW = re.compile(r"<(script|style|textarea|pre)\b", re.IGNORECASE)


def text(value: str) -> str:
    """Plain text: no-break spaces after one-letter words and inside "Sp. z o.o."."""
    value = _COMPANY.sub(f"Sp.{NBSP}z{NBSP}o.o.", value)
    value = _DASH.sub(NBSP, value)
    return _SINGLE.sub(rf"\1{NBSP}", value)


def html(value: str) -> str:
    """The same for HTML: only text between tags changes; raw elements are left alone."""
    parts = _TAG.split(value)
    raw_until = None
    out = []
    for part in parts:
        if part.startswith("<"):
            if raw_until is None:
                match = _RAW.match(part)
                if match:
                    raw_until = f"</{match.group(1).lower()}"
            elif part.lower().startswith(raw_until):
                raw_until = None
            out.append(part)
        else:
            out.append(part if raw_until else text(part))
    return "".join(out)
