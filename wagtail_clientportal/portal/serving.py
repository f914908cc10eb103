"""Who sends the bytes of a download that has passed every check (``SERVE_METHOD``).

The permission check, the audit row and the headers always happen in Django;
only the sending moves:

- ``"stream"`` (default): Python streams the file and hashes what it sent.
- ``"x-accel-redirect"``: the response names an nginx ``internal`` location and
  nginx sends the file (ranges included). ``"x-sendfile"``: the same with the
  file's absolute path for Apache's mod_xsendfile, Caddy or lighttpd.
- ``"presigned"``: a redirect to a signed URL of S3-compatible storage
  (django-storages), valid ``PRESIGNED_LIFETIME`` seconds, whose signed response
  headers carry the download name and ``no-store``.

Offloaded deliveries are recorded before the response leaves, with the stored
file's hash (``services.stored_files``), because the bytes never pass through
Python. A file the method cannot reach (outside every configured folder, or not
on S3 storage) is streamed as before.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, HttpResponseRedirect

from .. import conf, services
from ..models import DeliveryEvent
from ..services.stored_files import stored_sha256

logger = logging.getLogger(__name__)


def _local_path(field_file) -> str | None:
    try:
        return os.path.realpath(field_file.storage.path(field_file.name))
    except NotImplementedError:
        return None


def _internal_url(path: str) -> str | None:
    for root, location in conf.x_accel_locations().items():
        root = os.path.realpath(root).rstrip(os.sep) + os.sep
        if path.startswith(root):
            relative = path[len(root) :].replace(os.sep, "/")
            return location.rstrip("/") + "/" + quote(relative)
    return None


def _signed_url(field_file, content_type: str, disposition: str) -> str | None:
    storage = field_file.storage
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # the "production" extra is not installed
        return None
    if not isinstance(storage, S3Storage):
        return None
    if not storage.querystring_auth or storage.custom_domain:
        # Such URLs are not signed: anyone could fetch them at any time.
        raise ImproperlyConfigured(
            "SERVE_METHOD 'presigned' needs an S3 storage with querystring_auth=True "
            "and no custom_domain."
        )
    parameters = {
        "ResponseContentDisposition": disposition,
        "ResponseContentType": content_type,
        "ResponseCacheControl": "private, no-store",
    }
    return storage.url(field_file.name, parameters=parameters, expire=conf.presigned_lifetime())


def offload(
    request,
    *,
    share,
    portal_user,
    field_file,
    size,
    content_type,
    disposition,
    inline,
    wanted,
    access_action=None,
):
    """The response that hands the checked download off, or ``None`` to stream it.

    ``access_action``: the access event to write with the delivery record, in its
    transaction (one commit for both; neither without the other). With ``None``
    returned, nothing was written and the caller streams and records as usual."""
    method = conf.serve_method()
    if method == "stream":
        return None
    if method not in conf.SERVE_METHODS:
        raise ImproperlyConfigured(f"Unknown WAGTAILCLIENTPORTAL_SERVE_METHOD {method!r}")
    if method == "presigned":
        url = _signed_url(field_file, content_type, disposition)
        if url is None:
            return None
        response = HttpResponseRedirect(url)
        status = DeliveryEvent.Status.SIGNED_URL
    else:
        path = _local_path(field_file)
        target = path if method == "x-sendfile" else (path and _internal_url(path))
        if not target:
            logger.warning("%s: %s is outside every configured location", method, path)
            return None
        response = HttpResponse(content_type=content_type)
        header = "X-Sendfile" if method == "x-sendfile" else "X-Accel-Redirect"
        response[header] = target
        status = DeliveryEvent.Status.HANDED_OFF
    if request.method == "GET":  # HEAD hands nothing off: nothing to record
        services.delivery.record_handoff(
            request,
            share,
            portal_user,
            kind="view" if inline else "download",
            status=status,
            file_size=size,
            sha256=stored_sha256(share, field_file, size),
            wanted=wanted,
            access_action=access_action,
        )
    return response
