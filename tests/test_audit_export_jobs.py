"""Large audit ZIPs: built by a task, progress shown, kept for a while, link emailed."""

import datetime
import hashlib
import io
import json
import zipfile

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.conftest import staff_user
from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AuditExport
from wagtail_clientportal.services import audit_export_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings, editor, portal_a):
    """Every export counts as large; portal_a has three shares."""
    settings.WAGTAILCLIENTPORTAL_AUDIT_EXPORT_STREAM_ROWS = 2
    services.share_items(editor, [portal_a], DocumentFactory.create_batch(3))
    return portal_a


def _request(client, user, url, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    return response


def test_a_large_portal_is_built_by_a_task_and_emailed(
    client, ado, large, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("clientportal_portals:audit_zip", args=[large.pk])
    response = _request(client, ado, url, django_capture_on_commit_callbacks)
    export = AuditExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clientportal_staff:audit_export", args=[export.pk])
    assert export.status == "done" and export.rows_done == export.rows_total >= 3
    assert export.expires_at > timezone.now() + datetime.timedelta(days=6)
    [entry] = ModelLogEntry.objects.filter(action="wagtail_clientportal.audit_export")
    assert entry.data["how"] == "task" and entry.data["export_id"] == export.pk
    [mail] = [m for m in mailoutbox if ado.email in m.to]
    page_url = reverse("clientportal_staff:audit_export", args=[export.pk])
    assert page_url in mail.body and "token" not in mail.body
    page = client.get(page_url)
    download_url = reverse("clientportal_staff:audit_export_download", args=[export.pk])
    assert page.status_code == 200 and download_url in page.text and export.sha256 in page.text
    download = client.get(download_url)
    assert download.status_code == 200 and download["Cache-Control"].startswith("private")
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == export.sha256
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["portal"]["id"] == large.pk
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest


def test_a_large_client_is_built_by_a_task(
    client, ado, large, client_a, django_capture_on_commit_callbacks
):
    url = reverse("clientportal_portals:client_audit_zip", args=[client_a.pk])
    assert _request(client, ado, url, django_capture_on_commit_callbacks).status_code == 302
    export = AuditExport.objects.get()
    assert (export.scope, export.object_id, export.status) == ("client", client_a.pk, "done")
    with export.file.open("rb") as handle:
        manifest = json.loads(zipfile.ZipFile(handle).read("manifest.json"))
    assert manifest["client"]["id"] == client_a.pk


def test_progress_is_shown_while_the_task_has_not_finished(client, ado, large):
    client.force_login(ado)
    # No on-commit callbacks run here: the task is queued, not yet run.
    response = client.get(reverse("clientportal_portals:audit_zip", args=[large.pk]))
    export = AuditExport.objects.get()
    page = client.get(response["Location"])
    assert export.status == "queued" and "<progress" in page.text
    assert audit_export_jobs.build(export.pk) == "done"
    assert audit_export_jobs.build(export.pk) == "skipped"  # a second run builds nothing


def test_asking_again_while_it_is_built_reuses_the_export(
    client, ado, large, django_capture_on_commit_callbacks
):
    """The ZIP's URL is a GET (a link, a double click, a reload): each one used to queue
    another full build of the portal's records and another email."""
    url = reverse("clientportal_portals:audit_zip", args=[large.pk])
    client.force_login(ado)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.get(url)
        second = client.get(url)
    export = AuditExport.objects.get()
    assert first["Location"] == second["Location"]
    assert first["Location"] == reverse("clientportal_staff:audit_export", args=[export.pk])
    assert len(callbacks) == 1  # one task enqueued
    # A row left "running" by a killed worker does not hold new requests back for ever.
    later = timezone.now() + audit_export_jobs.REUSE_WINDOW + datetime.timedelta(minutes=1)
    stuck = audit_export_jobs.request_export(ado, large)
    assert stuck == export
    with time_machine.travel(later):
        assert audit_export_jobs.request_export(ado, large) != export
    AuditExport.objects.exclude(pk=export.pk).delete()
    assert audit_export_jobs.build(export.pk) == "done"
    # Once built, a new request is a new export (the data may have changed).
    with django_capture_on_commit_callbacks(execute=False):
        client.get(url)
    assert AuditExport.objects.count() == 2


def test_asking_again_with_the_files_is_a_new_export(
    client, ado, large, django_capture_on_commit_callbacks
):
    """A pending export without the delivered files is not what a request with them asks
    for (and the other way round): each gets its own export and its own task."""
    url = reverse("clientportal_portals:audit_zip", args=[large.pk])
    client.force_login(ado)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        plain = client.get(url)
        with_files = client.get(url + "?files=1")
        again = client.get(url + "?files=1")
    assert plain["Location"] != with_files["Location"] == again["Location"]
    assert len(callbacks) == 2
    assert sorted(AuditExport.objects.values_list("with_files", flat=True)) == [False, True]


def test_only_the_requester_downloads_it(
    client, ado, editor, large, django_capture_on_commit_callbacks
):
    url = reverse("clientportal_portals:audit_zip", args=[large.pk])
    _request(client, ado, url, django_capture_on_commit_callbacks)
    export = AuditExport.objects.get()
    other_ado = staff_user(
        "ado2@kancelaria.pl",
        "wagtailadmin.access_admin",
        "wagtail_clientportal.manage_portals",
    )
    download = reverse("clientportal_staff:audit_export_download", args=[export.pk])
    page = reverse("clientportal_staff:audit_export", args=[export.pk])
    client.force_login(other_ado)
    assert client.get(download).status_code == 404 and client.get(page).status_code == 404
    client.force_login(editor)
    assert client.get(download).status_code == 403


def test_the_file_is_deleted_when_it_expires(
    client, ado, large, django_capture_on_commit_callbacks
):
    url = reverse("clientportal_portals:audit_zip", args=[large.pk])
    _request(client, ado, url, django_capture_on_commit_callbacks)
    export = AuditExport.objects.get()
    name = export.file.name
    assert export.file.storage.exists(name)
    assert audit_export_jobs.purge_expired(now=export.expires_at + datetime.timedelta(1)) == 1
    export.refresh_from_db()
    assert export.status == "expired" and not export.file
    assert not export.file.storage.exists(name)
    download = reverse("clientportal_staff:audit_export_download", args=[export.pk])
    assert client.get(download).status_code == 404


def test_a_small_portal_is_still_streamed(client, ado, portal_a):
    client.force_login(ado)
    response = client.get(reverse("clientportal_portals:audit_zip", args=[portal_a.pk]))
    assert response.status_code == 200 and response.streaming
    assert not AuditExport.objects.exists()
