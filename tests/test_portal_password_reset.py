"""The reset request does the same work for every address; the worker decides (issue 9, item 4)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from tests.factories import PortalUserFactory, UserFactory
from wagtail_clientportal.compat import DUMMY_TASK_BACKEND, task_backends
from wagtail_clientportal.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

DUMMY = {"default": {"BACKEND": DUMMY_TASK_BACKEND}}


def _request(client, email, capture):
    with CaptureQueriesContext(connection) as queries:
        with capture(execute=True):
            response = client.post("/portal/password-reset/", {"email": email})
    return response, [q["sql"] for q in queries.captured_queries]


@override_settings(TASKS=DUMMY)
def test_known_and_unknown_addresses_cost_the_request_the_same(
    client, member, django_capture_on_commit_callbacks
):
    backend = task_backends["default"]
    backend.clear()
    known, known_sql = _request(client, member.email, django_capture_on_commit_callbacks)
    unknown, unknown_sql = _request(client, "nikt@example.com", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 200
    # No lookup in the request: the same statements (none) whatever the address.
    assert known_sql == unknown_sql == []
    assert not Notification.objects.exists()
    # One task each, carrying only the typed address.
    assert [(r.task.name, r.args, r.kwargs) for r in backend.results] == [
        ("send_password_reset", [member.email, False], {}),
        ("send_password_reset", ["nikt@example.com", False], {}),
    ]


@override_settings(TASKS=DUMMY)
def test_a_throttled_request_enqueues_nothing_and_answers_the_same(
    client, member, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILCLIENTPORTAL_LOGIN_IP_LIMIT = 2  # reset requests count per address
    backend = task_backends["default"]
    backend.clear()
    bodies = set()
    for _ in range(3):
        response, _sql = _request(client, member.email, django_capture_on_commit_callbacks)
        assert response.status_code == 200
        bodies.add(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.text))
    assert len(backend.results) == 2
    assert len(bodies) == 1


def test_the_worker_sends_only_to_logins_that_may_reset(member, portal_a, mailoutbox):
    from wagtail_clientportal.notifications.tasks import send_password_reset

    invited = PortalUserFactory(client=portal_a.client, portals=[portal_a], activated_at=None)
    inactive = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    inactive.user.is_active = False
    inactive.user.save()
    staff = UserFactory(username="staff@kancelaria.pl", email="staff@kancelaria.pl")
    for email in ("nikt@example.com", invited.email, inactive.email, staff.email):
        assert send_password_reset.call(email) is False
    assert not Notification.objects.exists()
    assert send_password_reset.call(f"  {member.email.upper()} ") is True
    [row] = Notification.objects.all()
    assert row.kind == "password_reset" and row.user == member.user and row.context == {}
