"""Several items at once: a ZIP of the ticked items, or of a whole section, streamed.

The archive is written by ``zipfile`` into a small buffer that the response empties
after every chunk, so neither the archive nor any one file is ever held in memory
(``zipfile`` writes to a stream it cannot seek with data descriptors). Its total size
is checked against ``WAGTAILCLIENTPORTAL_ZIP_MAX_BYTES`` before the first byte.

Each item is its own download: an ``AccessEvent`` and a ``DeliveryEvent`` with the
SHA-256 of the item's bytes as put in the archive (the file's own bytes, which is
what the client will unpack), complete or aborted, as a single download records.
"""

from __future__ import annotations

import zipfile

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ... import conf, services
from ...exceptions import ERRORS
from ...models import AccessEvent
from .. import listing
from ..access import PortalAccessMixin

CHUNK = 64 * 1024


class _Sink:
    """The file object ``zipfile`` writes to: bytes wait here until the response takes them."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:  # zipfile asks where it is; it never seeks
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


class ZipStream:
    """Iterates the archive's bytes; ``close()`` (the server calls it, also on abort)
    records the item being sent as aborted. A class: see ``downloads._Stream``."""

    def __init__(self, entries, request, portal_user):
        self.entries = entries  # (share, field_file, size, name)
        self.request = request
        self.portal_user = portal_user
        self.sink = _Sink()
        self.archive = None
        self.tracker = None
        self.chunks = self._generate()

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        return next(self.chunks)

    def _generate(self):
        self.archive = zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_STORED)
        for share, field_file, size, name in self.entries:
            services.record_access(
                self.portal_user, share, AccessEvent.Action.DOWNLOAD, self.request
            )
            self.tracker = services.delivery.DeliveryTracker.for_request(
                self.request,
                share,
                self.portal_user,
                kind="download",
                file_size=size,
                start=0,
                length=size,
                ranged=False,
            )
            info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
            with field_file.storage.open(field_file.name, "rb") as handle:
                with self.archive.open(info, "w", force_zip64=size > 2**31) as entry:
                    while data := handle.read(CHUNK):
                        entry.write(data)
                        self.tracker.update(data)
                        yield self.sink.take()
            self.tracker.finish()
            self.tracker = None
            yield self.sink.take()
        self.archive.close()
        yield self.sink.take()

    def close(self) -> None:
        if self.tracker is not None:
            self.tracker.finish()  # fewer bytes than the file: recorded as aborted
            self.tracker = None
        self.chunks.close()


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{stem} ({n}){dot}{ext}"
        n += 1
    taken.add(candidate)
    return candidate


#: The most share ids one request may name (a page lists far fewer; Django refuses a
#: body of more than DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000 by default, with a bare 400).
MAX_SELECTED = 500


class ZipDownloadView(PortalAccessMixin):
    """A POST (CSRF-checked) of ``section=documents`` for a whole section, or of
    ``share=1&share=2`` for the items ticked on the listing.

    A POST, not a link: it records a download of every item, and the choice of
    many ids belongs in a form body, not a URL. Every chosen id must be an active
    share of this portal with a file; one that is not (another portal's, revoked,
    expired) refuses the whole archive, with a message, before anything is recorded.
    """

    http_method_names = ["post"]

    def post(self, request, portal_id):
        section = request.POST.get("section", "")
        shares = listing.annotated(self.shares, self.portal_user)
        if section:
            if section not in listing.SECTIONS:
                return self._refuse("zip_nothing_selected", 400)
            shares = listing.section_filter(shares, section)
            chosen = None
            # Each item costs a size lookup (a HEAD on S3) before the first byte: bounded.
            if shares.order_by()[MAX_SELECTED : MAX_SELECTED + 1].exists():
                return self._refuse("zip_too_many", 413)
        else:
            raw = request.POST.getlist("share")
            if not raw:
                return self._refuse("zip_nothing_selected", 400)
            # ASCII digits only: "²" is a digit to isdigit() but int() refuses it (a 500).
            if len(raw) > MAX_SELECTED or not all(
                i.isascii() and i.isdigit() and len(i) < 19 for i in raw
            ):
                return self._refuse("zip_not_available", 400)
            chosen = {int(i) for i in raw}
            shares = shares.filter(pk__in=chosen)
        entries, taken, total = [], set(), 0
        for share in shares.order_by("pk"):
            field_file = listing.file_of(share)
            if not field_file:
                continue
            try:
                size = field_file.storage.size(field_file.name)
            except OSError:
                continue
            total += size
            entries.append((share, field_file, size, _unique(listing.file_name_of(share), taken)))
        if chosen is not None and {share.pk for share, *_ in entries} != chosen:
            return self._refuse("zip_not_available", 404)
        if not entries:
            return self._refuse("zip_nothing_selected", 404)
        if total > conf.zip_max_bytes():
            context = {"portal": self.portal, "total": total, "limit": conf.zip_max_bytes()}
            return render(
                request, "wagtail_clientportal/portal/zip_too_large.html", context, status=413
            )
        response = StreamingHttpResponse(
            ZipStream(entries, request, self.portal_user), content_type="application/zip"
        )
        # "zarzad-dokumenty.zip", "zarzad-wybrane.zip": the section as the client reads it.
        part = slugify(str(listing.SECTION_LABELS[section])) if section else slugify(_("selected"))
        name = f"{slugify(self.portal.name) or 'panel'}-{part}.zip"
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    def _refuse(self, code: str, status: int):
        """A portal page saying why (a stable ``code``), with the way back; nothing recorded."""
        context = {"portal": self.portal, "code": code, "message": ERRORS[code]}
        return render(
            self.request, "wagtail_clientportal/portal/zip_refused.html", context, status=status
        )
