"""A client's 100 MiB upload, streamed to the private storage: time and peak memory.

    .venv/bin/python bench/bench_uploads.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_uploads.py
    SIZE_MIB=500 WAGTAILCLIENTPORTAL_UPLOAD_MAX_FILE_SIZE=...  (see below)

The request goes through Django's real WSGI handler with the multipart body read from
a file on disk (``wsgi.input``), as a server hands it over: Django's upload handlers
spool the file to a temporary file, the service hashes it in 1 MiB chunks and the
storage moves or copies it. The peak RSS of the process (``ru_maxrss``) is reported
before and after the request: a body held in memory would raise it by the file's size.
"""

import hashlib
import io
import os
import resource
import tempfile
import time
from pathlib import Path

import _harness

_harness.setup()

from django.db import connection  # noqa: E402

MIB = 1024 * 1024
SIZE = int(os.environ.get("SIZE_MIB", "100")) * MIB
BOUNDARY = "----clientportalbench"
TOKEN = "a" * 32  # an unmasked CSRF secret, in the cookie and the form


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_body(path: Path) -> str:
    """The multipart body on disk, written in 1 MiB pieces; returns the file's SHA-256."""
    digest = hashlib.sha256()
    piece = os.urandom(MIB)
    with path.open("wb") as out:
        out.write(
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
                f"\r\n\r\n{TOKEN}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
                f'name="files"; filename="skan.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
        )
        head = b"%PDF-1.7\n"
        out.write(head)
        digest.update(head)
        left = SIZE - len(head)
        while left > 0:
            chunk = piece[: min(MIB, left)]
            out.write(chunk)
            digest.update(chunk)
            left -= len(chunk)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return digest.hexdigest()


def main():
    with _harness.test_database():
        run()


def run():
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client as HttpClient
    from django.test.utils import override_settings
    from django.urls import reverse

    from tests.conftest import otp_login
    from tests.factories import PortalFactory, PortalUserFactory
    from wagtail_clientportal.models import UploadedFile

    portal = PortalFactory(uploads_enabled=True)
    member = PortalUserFactory(client=portal.client, portals=[portal])
    browser = HttpClient()
    otp_login(browser, member.user)
    session_cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / "body"
        expected = write_body(body)
        length = body.stat().st_size
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": reverse("wagtail_clientportal:upload", args=[portal.pk]),
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "HTTP_HOST": "localhost",
            "wsgi.url_scheme": "http",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(length),
            "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session_cookie}; csrftoken={TOKEN}",
            "wsgi.errors": io.StringIO(),
        }
        before = peak_rss_mib()
        status = []
        with (
            override_settings(FILE_UPLOAD_TEMP_DIR=tmp),
            body.open("rb") as stream,
        ):
            environ["wsgi.input"] = stream
            started = time.perf_counter()
            response = WSGIHandler()(environ, lambda s, h, *a: status.append(s))
            b"".join(response)
            elapsed = time.perf_counter() - started
        after = peak_rss_mib()
    row = UploadedFile.objects.get()
    assert status[0].startswith("302"), status
    assert row.sha256 == expected and row.size == SIZE
    row.file.storage.delete(row.file.name)
    print(f"database: {connection.vendor}")
    print(f"upload of {SIZE / MIB:.0f} MiB: {elapsed:.2f} s, {SIZE / MIB / elapsed:.0f} MiB/s")
    print(f"peak RSS: {before:.0f} MiB before the request, {after:.0f} MiB after")
    print(f"SHA-256 of the stored file matches: {row.sha256 == expected}")


if __name__ == "__main__":
    main()
