import shutil
import sqlite3

import pytest

from tests.factories import ClientFactory, DocumentFactory, PortalFactory, PortalUserFactory
from wagtail_clientportal.test_utils import otp_login, staff_user  # noqa: F401 (tests import it)


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Every test writes its files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WAGTAILCLIENTPORTAL_PRIVATE_ROOT = tmp_path / "private"
    yield
    shutil.rmtree(tmp_path, ignore_errors=True)


_staff = staff_user


def streamed_zip(response):
    """The ZIP a streamed export response carries, opened."""
    import io
    import zipfile

    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def zip_csv(archive, name):
    """The rows of a CSV in an export: UTF-8 with BOM (Polish letters in Excel), ``;``."""
    import csv
    import io

    raw = archive.read(name)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def archive_texts(archive) -> dict[str, str]:
    """{name: text} of every file in a ZIP, to scan exports for secrets: a PDF's text
    as a reader extracts it (its streams are compressed), other files decoded."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    texts = {}
    for name in archive.namelist():
        raw = archive.read(name)
        texts[name] = raw.decode("utf-8-sig", errors="replace")
        if name.endswith(".pdf"):
            try:
                pages = PdfReader(io.BytesIO(raw)).pages
                texts[name] += "".join(page.extract_text() for page in pages)
            except PdfReadError:
                pass  # a delivered file named .pdf that is not one: its bytes as they are
    return texts


@pytest.fixture
def administrator(db):
    return _staff(
        "administrator@kancelaria.pl",
        "wagtailadmin.access_admin",
        "wagtail_clientportal.manage_portals",
        "wagtail_clientportal.manage_portal_users",
        "wagtail_clientportal.share_items",
    )


@pytest.fixture
def ado(db):
    return _staff(
        "ado@kancelaria.pl",
        "wagtailadmin.access_admin",
        "wagtail_clientportal.manage_portals",
        "wagtail_clientportal.manage_portal_users",
    )


@pytest.fixture
def editor(db):
    """Editors may share and revoke, but not manage portals or their users (rule 2)."""
    return _staff(
        "redaktor@kancelaria.pl", "wagtailadmin.access_admin", "wagtail_clientportal.share_items"
    )


@pytest.fixture
def nobody(db):
    return _staff("stazysta@kancelaria.pl", "wagtailadmin.access_admin")


@pytest.fixture
def client_a(db):
    return ClientFactory(name="Alfa Sp. z o.o.")


@pytest.fixture
def client_b(db):
    return ClientFactory(name="Beta S.A.")


@pytest.fixture
def portal_a(client_a):
    return PortalFactory(client=client_a, name="Dokumenty")


@pytest.fixture
def portal_a2(client_a):
    return PortalFactory(client=client_a, name="Faktury")


@pytest.fixture
def portal_b(client_b):
    return PortalFactory(client=client_b, name="Dokumenty")


@pytest.fixture
def member(portal_a):
    return PortalUserFactory(client=portal_a.client, portals=[portal_a])


@pytest.fixture
def document(db):
    return DocumentFactory()


def verified(user):
    """Mark ``user`` as having passed the second factor, as OTPMiddleware would."""
    user.is_verified = lambda: True
    return user


@pytest.fixture
def clear_cache():
    """Login throttling lives in the cache: start every portal test with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _forget_share_kinds():
    """Share ids come back after a test's rollback: a remembered kind of an earlier
    test's share would cost a query-count test one lazy load. The stored files' hashes
    the process remembers go too: each test has its own media folder."""
    from wagtail_clientportal.services import access, stored_files

    access._share_kinds.clear()
    stored_files._known.clear()


@pytest.fixture(autouse=True)
def _sqlite_parameter_limit(request):
    """Query-count bounds hold for SQLite's real limit of parameters per statement.

    Django 6.0+ reads it from the library (250,000 here); 5.2 assumes 999 and so splits
    a bulk insert of 1,000 rows into a dozen statements. The bounds are about what the
    package asks the ORM for, so 5.2 gets the library's limit too (SQLite's default
    since 3.32 where Python cannot read it).
    """
    from django.db import connection

    fixed = getattr(type(connection.features), "max_query_params", None)
    if connection.vendor != "sqlite" or not isinstance(fixed, int):
        yield
        return
    library = sqlite3.connect(":memory:")
    getlimit = getattr(library, "getlimit", None)  # Python 3.11+
    limit = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 32766
    library.close()
    request.getfixturevalue("monkeypatch").setattr(
        type(connection.features), "max_query_params", limit
    )
    yield
