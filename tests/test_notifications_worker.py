"""Issue 5: the production worker (django-tasks-db's ``db_worker``) delivers the outbox."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import Notification

# Wagtail 8's own tasks use the django-tasks backport, which reads the same TASKS
# setting and cannot run on django-tasks-db's backend (built on django.tasks): the
# outbox gets its own alias, Wagtail keeps "default".
DB_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "clientportal": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the production worker is tested on PostgreSQL (CI sets DATABASE_URL); "
    "its row locking (SELECT ... FOR UPDATE SKIP LOCKED) is not SQLite's",
)
def test_db_worker_delivers_committed_shares_and_nothing_rolled_back(editor, portal_a):
    from django_tasks_db.models import DBTaskResult

    PortalUserFactory.create_batch(3, client=portal_a.client, portals=[portal_a])
    mail.outbox = []
    with override_settings(TASKS=DB_TASKS, WAGTAILCLIENTPORTAL_TASK_BACKEND="clientportal"):
        services.share_items(editor, [portal_a], DocumentFactory.create_batch(5))
        # Committed: one task row waits for the worker; nothing is sent yet.
        assert DBTaskResult.objects.count() == 1
        assert set(Notification.objects.values_list("status", flat=True)) == {"queued"}
        assert mail.outbox == []
        call_command(
            "db_worker", "--batch", "--backend", "clientportal", "--interval", "0", verbosity=0
        )
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 3
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
