"""The file name a download suggests: one rule for every download, staff and portal alike.

Names come from data people type (an invoice number, a settlement title, a version's
original file name), so they may hold path separators, ``..``, control characters,
CR/LF or Unicode direction overrides (``umowa‮fdp.exe`` shown as ``umowaexe.pdf``).
The browser saves what ``Content-Disposition`` suggests; the name must be harmless
on every operating system and still readable (Polish letters kept).
"""

from __future__ import annotations

import os
import re
import unicodedata

from django.utils.translation import gettext

# Bytes of UTF-8, well under the 255 most file systems allow, leaving room for
# the " (1)" a browser adds to a name already in the download folder.
MAX_BYTES = 200
# Separators and characters Windows refuses in a name: each becomes "_".
_REPLACED = set('/\\:*?"<>|')
# Device names Windows reserves whatever the extension (CON.pdf is still CON).
_RESERVED = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$", re.I)
_RUN_OF_UNDERSCORES = re.compile(r"_{2,}")
_TRIMMED = " ._"
_EXTENSION = re.compile(r"^\.[0-9A-Za-z]{1,10}$")


def _clean_chars(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if char in _REPLACED:
            out.append("_")
        elif char.isspace() or category in ("Zl", "Zp"):
            out.append(" ")  # CR, LF, tabs, odd spaces: one plain space
        elif category[0] == "C":
            continue  # controls, format (bidi overrides, zero-width), surrogates, unassigned
        else:
            out.append(char)
    return " ".join("".join(out).split())


def _cut(text: str, max_bytes: int) -> str:
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    # Cut on a character boundary: a partial Polish letter is dropped, never split.
    return encoded[:max_bytes].decode(errors="ignore")


def safe_filename(name: str, default: str | None = None) -> str:
    """A harmless, readable file name for ``Content-Disposition``; never empty.

    Separators and Windows-reserved characters become ``_`` (one for a run),
    whitespace (CR/LF included) one space, other control and format characters go;
    dots, underscores and spaces at either end go (hidden files, what is left of
    ``../``, Windows' trailing dots); reserved device names get a ``_`` prefix; the
    name is cut to ``MAX_BYTES`` keeping its extension.
    """
    text = _clean_chars(str(name or ""))
    stem, dot, extension = text.rpartition(".")
    if dot and _EXTENSION.match(dot + extension):
        extension = dot + extension
    else:
        stem, extension = text, ""
    stem = _RUN_OF_UNDERSCORES.sub("_", stem).strip(_TRIMMED)
    stem = _cut(stem, MAX_BYTES - len(extension)).strip(_TRIMMED)
    if not stem:
        stem = default or gettext("file")
    if _RESERVED.match(stem.split(".")[0].strip()):
        stem = f"_{stem}"
    return stem + extension


def download_name(item) -> str:
    """The suggested name of the file of a document, version, invoice or settlement."""
    from wagtail.documents import get_document_model

    from .models import DocumentVersion, Invoice, Settlement

    if isinstance(item, get_document_model()):
        name = getattr(item, "filename", "") or os.path.basename(item.file.name)
    elif isinstance(item, DocumentVersion):
        name = item.original_filename or os.path.basename(item.file.name)
    elif isinstance(item, Invoice):
        name = item.number + (os.path.splitext(item.pdf.name)[1] or ".pdf")
    elif isinstance(item, Settlement):
        name = item.title + os.path.splitext(item.file.name)[1]
    else:
        raise TypeError(f"no download for {type(item).__name__}")
    return safe_filename(name)
