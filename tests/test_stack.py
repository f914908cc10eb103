"""The reference deployment (deploy/), booted for real: nginx → gunicorn ×4 → PostgreSQL,
Redis, two db_worker processes. Runs where DATABASE_URL is PostgreSQL (CI's second leg)."""

import email
import os
import re
import shutil
import time
from collections import Counter
from email import policy

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the stack runs on PostgreSQL (DATABASE_URL)"
    ),
    pytest.mark.skipif(
        not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")),
        reason="nginx is not installed (Debian: apt-get install nginx)",
    ),
]

PEOPLE = 12


@pytest.fixture(scope="module")
def stack():
    pytest.importorskip("gunicorn")
    pytest.importorskip("redis")
    from deploy.stack import Stack

    # Slow sends (a marker file before each) let the test kill a worker mid-round; a
    # "sending" row is taken for a dead worker's after 2 s.
    running = Stack(database_url=os.environ["DATABASE_URL"], mail_delay=0.4, stuck_after=2)
    try:
        running.start()
        yield running
    finally:
        running.stop()
    for name, proc in running.procs.items():
        assert proc.poll() is not None, f"{name} still running"


@pytest.fixture(scope="module")
def person(stack):
    from deploy.portal_client import PortalClient

    client = PortalClient(stack.url, stack.mail_dir)
    landing = client.login(stack.seed["email"], stack.seed["password"])
    return client, landing


def _download_path(stack, share_id):
    return f"/portal/p/{stack.seed['portal']}/file/{share_id}/"


def test_login_with_the_emailed_code_and_the_list(stack, person):
    client, landing = person
    status, _h, page = client.request(landing)
    assert status == 200
    status, _h, page = client.request(f"/portal/p/{stack.seed['portal']}/")
    assert status == 200 and "Pismo 0" in page.decode()


def test_download_through_nginx_offload_is_the_stored_bytes(stack, person):
    from deploy.seed import document_bytes

    client, _ = person
    share = stack.seed["shares"][0]
    status, headers, body = client.request(_download_path(stack, share))
    assert status == 200 and body == document_bytes(0)
    assert "X-Accel-Redirect" not in headers  # nginx consumed it
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["Content-Security-Policy"] == "default-src 'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    status, headers, body = client.request(
        _download_path(stack, share), headers={"Range": "bytes=100-199"}
    )
    assert status == 206 and body == document_bytes(0)[100:200]
    # The internal location is not reachable from outside.
    assert client.request("/_protected/media/" + stack.seed["files"][0])[0] == 404
    records = stack.run_python(
        "from wagtail_clientportal.models import DeliveryEvent\n"
        "result = list(DeliveryEvent.objects.values_list('status', 'sha256', 'ip_address'))"
    )
    import hashlib

    digest = hashlib.sha256(document_bytes(0)).hexdigest()
    assert [r[:2] for r in records] == [["handed_off", digest], ["handed_off", digest]]
    assert records[0][2] == "127.0.0.1"


def test_revoked_is_refused_with_no_bytes(stack, person):
    from deploy.seed import document_bytes

    client, _ = person
    share = stack.seed["shares"][1]
    assert client.request(_download_path(stack, share))[0] == 200
    stack.run_python(
        "from django.contrib.auth import get_user_model\n"
        "from wagtail_clientportal import services\n"
        "from wagtail_clientportal.models import Share\n"
        "staff = get_user_model().objects.get(username='kancelaria@example.com')\n"
        f"services.revoke_shares(staff, Share.objects.filter(pk={share}))"
    )
    status, _h, body = client.request(_download_path(stack, share))
    assert status in (403, 404) and document_bytes(1) not in body


def _emails_since(stack, since):
    counts = Counter()
    for path in stack.mail_dir.glob("*.eml"):
        if path.stat().st_mtime >= since:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            counts[str(message["To"])] += 1
    return counts


def _share_new_document(stack, n):
    return stack.run_python(
        "from django.contrib.auth import get_user_model\n"
        "from django.core.files.base import ContentFile\n"
        "from wagtail.documents import get_document_model\n"
        "from wagtail_clientportal import services\n"
        "from wagtail_clientportal.models import Portal\n"
        "staff = get_user_model().objects.get(username='kancelaria@example.com')\n"
        f"doc = get_document_model().objects.create(title='Nowe {n}', "
        f"file=ContentFile(b'%PDF-1.4 {n}', name='nowe-{n}.pdf'))\n"
        "[s] = services.share_items(staff, [Portal.objects.get()], [doc]).created\n"
        "result = s.pk"
    )


def _statuses(stack):
    return stack.run_python(
        "from wagtail_clientportal.models import Notification\n"
        "result = sorted(Notification.objects.filter(kind='new_shares')"
        ".values_list('status', flat=True))"
    )


def _wait(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_a_worker_killed_mid_delivery_loses_and_duplicates_nothing(stack, person):
    stack.run_python(
        "from deploy.seed import people\n"
        "from wagtail_clientportal.models import Portal\n"
        "p = Portal.objects.get()\n"
        f"result = people(p.client, p, {PEOPLE}, start=1)"
    )
    # The seed's notification is out before this round starts.
    assert _wait(lambda: set(_statuses(stack)) <= {"sent"})
    started = time.time() - 0.01
    for marker in stack.mail_dir.glob("sending-*"):
        marker.unlink()
    _share_new_document(stack, 1)
    pids = {stack.procs[f"db_worker{n}"].pid: f"db_worker{n}" for n in (1, 2)}

    def busy_worker():
        seen = Counter(int(m.name.split("-")[1]) for m in stack.mail_dir.glob("sending-*"))
        return next((pids[p] for p, n in seen.items() if n >= 4 and p in pids), None)

    assert _wait(busy_worker, 60), stack.log("db_worker1") + stack.log("db_worker2")
    killed = busy_worker()
    stack.kill(killed)  # SIGKILL, in the middle of its round
    everyone = 1 + PEOPLE
    assert len(_emails_since(stack, started)) < everyone  # the round was cut short
    # The outbox's stuck rows go out again (the resend command, run by cron in production).
    time.sleep(2.5)
    stack.django("clientportal_send_notifications", "--stuck-after", "2")
    assert _wait(lambda: set(_statuses(stack)) == {"sent"}, 30), _statuses(stack)
    received = _emails_since(stack, started)
    assert len(received) == everyone and set(received.values()) == {1}, received
    # The surviving worker delivers the next round alone, once each.
    _share_new_document(stack, 2)
    assert _wait(lambda: len(_statuses(stack)) == 1 + 2 * everyone, 30)
    assert _wait(lambda: set(_statuses(stack)) == {"sent"}, 60), _statuses(stack)
    received = _emails_since(stack, started)
    assert set(received.values()) == {2} and len(received) == everyone, received
    survivor = "db_worker2" if killed == "db_worker1" else "db_worker1"
    assert stack.procs[survivor].poll() is None
    # And it did the work: a finished task carries its worker id (the rows are marked
    # sent before the task itself is, hence the wait).
    worker_id = re.search(r"worker_id=(\S+)", stack.log(survivor)).group(1)

    def survivor_finished_a_task():
        return stack.run_python(
            "from django_tasks_db.models import DBTaskResult\n"
            "result = DBTaskResult.objects.filter(\n"
            f"    status='SUCCESSFUL', worker_ids__contains=[{worker_id!r}]\n"
            ").exists()"
        )

    assert _wait(survivor_finished_a_task, 30), stack.log(survivor)
