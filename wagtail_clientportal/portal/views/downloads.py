"""Files of a portal, streamed after checking rule 9 on every request (ranges included)."""

from __future__ import annotations

import datetime
import mimetypes
import re

from django.core.cache import cache
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from ... import services
from ...models import AccessEvent
from .. import listing, serving
from ..access import PortalAccessMixin

# Large enough that per-chunk Python work (and the hand-off of each chunk to the hashing
# thread, services/stream_hash.py) is small beside the bytes; small enough to stay a stream.
CHUNK = 256 * 1024
# Types a browser may show in place; anything else (HTML, SVG...) is always an attachment.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain"}
# At most 18 digits: any real offset fits, and int() never sees a huge number.
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


class _Stream:
    """The file's bytes from ``start``, ``length`` of them, in chunks; hashed as they go.

    A class, not a generator: a server closes a response it never started reading,
    and a never-started generator's ``finally`` would not run, leaving no record.
    """

    def __init__(self, handle, start: int, length: int, tracker=None):
        self.handle = handle
        self.start_at = start
        self.remaining = length
        self.tracker = tracker
        self.started = False
        self.closed = False

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self.closed:
            raise StopIteration
        if not self.started:
            self.started = True
            self.handle.seek(self.start_at)
        data = self.handle.read(min(CHUNK, self.remaining)) if self.remaining > 0 else b""
        if not data:
            self.close()
            raise StopIteration
        self.remaining -= len(data)
        if self.tracker is not None:
            self.tracker.update(data)
        return data

    def close(self) -> None:
        """End of the stream, or the client went away: record what was sent, once."""
        if self.closed:
            return
        self.closed = True
        try:
            self.handle.close()
        finally:
            if self.tracker is not None:
                self.tracker.finish()


def _iter(handle, start: int, length: int, tracker=None) -> _Stream:
    return _Stream(handle, start, length, tracker)


def parse_range(header: str, size: int):
    """``(start, end)`` of one satisfiable byte range, ``None`` to send it all, or ``False``
    when unsatisfiable."""
    match = _RANGE.match((header or "").strip())
    if not match:
        return None  # absent, several ranges or malformed: the whole file (RFC 9110 allows it)
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)


def _secure(response, filename: str, inline: bool, *, sends_bytes: bool = True):
    """The download's headers. ``sends_bytes=False``: a hand-off (``serving.offload``),
    whose sender (nginx, Apache, S3) says itself that it serves ranges."""
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    # Cache-Control (never stored) is set for every portal response by ``guard``.
    response["X-Content-Type-Options"] = "nosniff"
    # As Wagtail's own serve view: nothing in the file may load or run anything.
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Referrer-Policy"] = "no-referrer"
    if sends_bytes:
        response["Accept-Ranges"] = "bytes"
    return response


class DownloadView(PortalAccessMixin):
    RANGE_AUDIT_WINDOW = datetime.timedelta(minutes=10)
    portal_related = ("client",)

    def _recent_key(self, share) -> str:
        return f"wagtail_clientportal:read:{self.portal_user.pk}:{share.pk}"

    def _recently_recorded(self, share) -> bool:
        # The cache answers for the ranges after the first without a query; the database
        # is the authority when the cache was cleared or is not shared between processes.
        if cache.get(self._recent_key(share)):
            return True
        since = timezone.now() - self.RANGE_AUDIT_WINDOW
        return AccessEvent.objects.filter(
            share=share, portal_user=self.portal_user, at__gte=since
        ).exists()

    def _remember(self, share, *, ranged: bool, size: int) -> None:
        # Only where ranges may follow: a ranged reading has begun, or the file is large
        # enough for a viewer to read it in ranges. After a whole small file, a range
        # (rare) asks the database instead: a round trip to the cache saved per download.
        if ranged or size > CHUNK:
            window = int(self.RANGE_AUDIT_WINDOW.total_seconds())
            cache.set(self._recent_key(share), 1, timeout=window)

    def get(self, request, portal_id, share_id):
        share = services.share_to_send(self.decision, share_id)
        if share is None:
            raise Http404
        field_file = listing.file_of(share)
        if not field_file:
            raise Http404
        try:
            size = field_file.storage.size(field_file.name)
        except OSError:
            raise Http404 from None
        filename = listing.file_name_of(share)
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        inline = request.GET.get("inline") == "1" and content_type in INLINE_TYPES
        wanted = parse_range(request.headers.get("Range", ""), size)
        if wanted is False:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _secure(response, filename, inline)
        start, end = wanted if wanted else (0, size - 1)
        length = max(0, end - start + 1)
        action = None
        if request.method == "GET" and (start == 0 or not self._recently_recorded(share)):
            # Every read is audited; the later ranges of one reading (a PDF viewer asks
            # for many) are not recorded again within a few minutes.
            action = AccessEvent.Action.VIEW if inline else AccessEvent.Action.DOWNLOAD
        handed_off = serving.offload(
            request,
            share=share,
            portal_user=self.portal_user,
            field_file=field_file,
            size=size,
            content_type=content_type,
            disposition=content_disposition_header(not inline, filename),
            inline=inline,
            wanted=wanted,
            access_action=action,
        )
        if handed_off is not None:
            if action:  # recorded with the hand-off
                self._remember(share, ranged=bool(wanted), size=size)
            return _secure(handed_off, filename, inline, sends_bytes=False)
        if action:
            services.record_access(self.portal_user, share, action, request)
            self._remember(share, ranged=bool(wanted), size=size)
        try:
            handle = field_file.storage.open(field_file.name, "rb")
        except OSError:
            raise Http404 from None
        tracker = None
        if request.method == "GET":  # HEAD sends no bytes: nothing was delivered
            tracker = services.delivery.DeliveryTracker.for_request(
                request,
                share,
                self.portal_user,
                kind="view" if inline else "download",
                file_size=size,
                start=start,
                length=length,
                ranged=bool(wanted),
            )
        response = StreamingHttpResponse(
            _iter(handle, start, length, tracker),
            status=206 if wanted else 200,
            content_type=content_type,
        )
        response["Content-Length"] = str(length)
        if wanted:
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
        return _secure(response, filename, inline)
