"""The "Panel klienta" panel on Wagtail's dashboard: each part behind its permission."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from tests.conftest import otp_login
from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import Notification
from wagtail_clientportal.services import dashboard

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

HOME = "wagtailadmin_home"


def failed_notification(member):
    return Notification.objects.create(
        kind="activation",
        recipient="zwrot@example.com",
        user=member.user,
        portal_user=member,
        status="failed",
        last_error="provider unavailable",
    )


@pytest.fixture
def state(editor, portal_a, member):
    due = timezone.localdate() + datetime.timedelta(days=5)
    asked = DocumentFactory.create_batch(2, title="Wezwanie")
    awaiting, confirmed = services.share_items(
        editor, [portal_a], asked, require_receipt=True, confirm_by=due
    ).created
    [plain] = services.share_items(editor, [portal_a], [DocumentFactory(title="Umowa")]).created
    return {
        "awaiting": awaiting,
        "confirmed": confirmed,
        "plain": plain,
        "failed": failed_notification(member),
    }


def test_dashboard_lists_failed_awaiting_and_recent(client, editor, member, state):
    otp_login(client, member.user)
    confirm = reverse(
        "wagtail_clientportal:confirm_receipt",
        args=[state["confirmed"].portal_id, state["confirmed"].pk],
    )
    assert client.post(confirm).status_code == 302
    summary = dashboard.for_staff(editor)
    assert summary.failed.rows == [state["failed"]] and summary.failed.count == 1
    assert summary.awaiting.rows == [state["awaiting"]] and summary.awaiting.count == 1
    assert state["plain"] in summary.recent.rows
    client.force_login(editor)
    text = client.get(reverse(HOME)).text
    assert 'id="clientportal-dashboard-heading"' in text
    assert reverse("clientportal_notifications:inspect", args=[state["failed"].pk]) in text
    assert reverse("clientportal_portals:detail", args=[state["awaiting"].portal_id]) in text


def test_dashboard_panel_is_hidden_without_permissions(client, nobody, state):
    client.force_login(nobody)
    text = client.get(reverse(HOME)).text
    assert 'id="clientportal-dashboard-heading"' not in text
    assert not dashboard.for_staff(nobody)


def test_shares_need_the_share_permission(client, ado, state):
    """Managing portal users shows the outbox's failures, not what was shared."""
    ado.groups.get().permissions.remove(
        Permission.objects.get(
            codename="share_items", content_type__app_label="wagtail_clientportal"
        )
    )
    summary = dashboard.for_staff(type(ado).objects.get(pk=ado.pk))
    assert summary.failed is not None and summary.awaiting is None and summary.recent is None
    client.force_login(ado)
    text = client.get(reverse(HOME)).text
    assert state["failed"].recipient in text and "Wezwanie" not in text


def test_dashboard_queries_do_not_grow(client, editor, portal_a, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)

    def queries_with(n):
        for _ in range(n):
            failed_notification(member)
        docs = DocumentFactory.create_batch(n)
        services.share_items(editor, [portal_a], docs, require_receipt=True)
        client.get(reverse(HOME))  # warm the session and permission caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(HOME)).status_code == 200
        return len(ctx.captured_queries)

    small = queries_with(10)
    large = queries_with(200)
    assert dashboard.for_staff(editor).awaiting.count == 210
    assert large == small
