"""Issue 5: staff see notification problems and send failed notifications again."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.contrib.messages import get_messages
from django.core import mail
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import (
    ClientPortalPermissionDenied,
    ClientPortalValidationError,
)
from wagtail_clientportal.models import Notification

pytestmark = pytest.mark.django_db

LIST_URL = "clientportal_notifications:list"
ANYMAIL_TEST = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}


def resend_url(rows):
    query = urlencode([("id", r.pk) for r in rows])
    return (
        reverse(
            "wagtail_bulk_action",
            args=["wagtail_clientportal", "notification", "clientportal_resend_notifications"],
        )
        + "?"
        + query
    )


def messages_of(response):
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def failed_share_notification(member, portal, **fields):
    return Notification.objects.create(
        kind="new_shares",
        recipient=member.email,
        user=member.user,
        portal_user=member,
        portal=portal,
        context={"count": 2, "counts": {"document": 2}},
        status="failed",
        attempts=5,
        last_error="ConnectionError: provider unavailable",
        **fields,
    )


@pytest.fixture
def outbox(member, portal_a):
    """One of each interesting state."""
    day = datetime.timedelta(days=1)
    now = timezone.now()
    failed = failed_share_notification(member, portal_a, created_at=now)
    sent = Notification.objects.create(
        kind="activation",
        recipient=member.email,
        user=member.user,
        portal_user=member,
        status="sent",
        attempts=1,
        created_at=now - 10 * day,
    )
    bounced = Notification.objects.create(
        kind="password_reset",
        recipient="ktos@example.com",
        status="bounced",
        attempts=1,
        last_error="T: bounced mailbox full",
        created_at=now - 3 * day,
    )
    return {"failed": failed, "sent": sent, "bounced": bounced}


# --- Listing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["administrator", "ado", "editor"])
def test_listing_shows_the_outbox_to_staff_who_manage_users_or_share(request, client, who, outbox):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(LIST_URL))
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 3
    text = response.text
    assert "provider unavailable" in text and "Błąd wysyłki" in text
    assert "Nie doręczono (adres nie działa)" in text
    # The failed one offers "Wyślij ponownie"; the others do not.
    assert resend_url([outbox["failed"]]).split("?")[0] in text
    assert f"id={outbox['failed'].pk}" in text
    assert f"id={outbox['sent'].pk}&" not in text
    # The admin menu has the item.
    home = client.get(reverse("wagtailadmin_home")).text
    assert reverse(LIST_URL) in home


def test_listing_is_403_and_hidden_without_permission(client, nobody, outbox):
    client.force_login(nobody)
    assert client.get(reverse(LIST_URL)).status_code == 403
    assert client.get(resend_url([outbox["failed"]])).status_code == 403
    assert client.post(resend_url([outbox["failed"]])).status_code == 403
    assert Notification.objects.get(pk=outbox["failed"].pk).status == "failed"
    # No menu item either.
    client.force_login(nobody)
    home = client.get(reverse("wagtailadmin_home"))
    assert reverse(LIST_URL) not in home.text


def test_listing_refuses_manage_portals_only(client, ado, outbox):
    """manage_portals alone does not show the outbox (it holds people's addresses)."""
    from django.contrib.auth.models import Permission

    group = ado.groups.get()
    group.permissions.remove(
        Permission.objects.get(
            codename="manage_portal_users", content_type__app_label="wagtail_clientportal"
        )
    )
    client.force_login(ado)
    assert client.get(reverse(LIST_URL)).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse(LIST_URL))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_listing_filters_by_status_kind_date_and_recipient(client, editor, outbox, member):
    client.force_login(editor)
    url = reverse(LIST_URL)

    def count(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return response.context["page_obj"].paginator.count

    assert count(status="failed") == 1
    assert count(status="bounced") == 1
    assert count(status="queued") == 0
    assert count(kind="activation") == 1
    assert count(kind="new_shares", status="failed") == 1
    assert count(kind="new_shares", status="sent") == 0
    assert count(problems="true") == 2
    assert count(problems="false") == 1
    week_ago = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    assert count(created_at_from=week_ago) == 2
    assert count(created_at_to=week_ago) == 1
    assert count(q="ktos@") == 1
    assert count(q=member.email) == 2
    response = client.get(url, {"status": "failed"})
    assert [n.pk for n in response.context["page_obj"]] == [outbox["failed"].pk]


def test_listing_has_no_forms(client, administrator, outbox):
    client.force_login(administrator)
    assert client.get(reverse("clientportal_notifications:add")).status_code in (302, 403)
    edit = reverse("clientportal_notifications:edit", args=[outbox["failed"].pk])
    assert client.post(edit, {}).status_code in (302, 403)
    assert Notification.objects.get(pk=outbox["failed"].pk).status == "failed"


def test_listing_queries_are_bounded(
    client, editor, member, portal_a, django_assert_max_num_queries
):
    for _ in range(40):
        failed_share_notification(member, portal_a)
    client.force_login(editor)
    with django_assert_max_num_queries(20):
        response = client.get(reverse(LIST_URL))
    assert response.status_code == 200


# --- Resend ---------------------------------------------------------------------------------------


def test_resend_requeues_and_delivers_with_locmem(
    client, editor, outbox, member, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    failed = outbox["failed"]
    client.force_login(editor)
    url = resend_url([failed])
    response = client.get(url)
    assert response.status_code == 200
    assert [entry["item"] for entry in response.context["items"]] == [failed]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "&next=" + reverse(LIST_URL))
    assert response.status_code == 302 and response["Location"] == reverse(LIST_URL)
    assert messages_of(response) == ["1 powiadomienie czeka na ponowną wysyłkę."]
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 1 and failed.last_error == ""
    [message] = mailoutbox
    assert message.to == [member.email] and "2 nowe pozycje" in message.subject


def test_resend_of_several_lists_the_ones_that_cannot_be_resent(
    client, administrator, outbox, member, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    second = failed_share_notification(member, portal_a)
    code = Notification.objects.create(
        kind="login_code", recipient=member.email, user=member.user, status="failed"
    )
    rows = [outbox["failed"], second, outbox["sent"], outbox["bounced"], code]
    client.force_login(administrator)
    response = client.get(resend_url(rows))
    assert {e["item"].pk for e in response.context["items"]} == {outbox["failed"].pk, second.pk}
    assert len(response.context["items_with_no_access"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend_url(rows))
    assert response.status_code == 302
    assert "2 powiadomienia czekają na ponowną wysyłkę." in messages_of(response)
    assert len(mailoutbox) == 2
    code.refresh_from_db()
    assert code.status == "failed"  # never re-sent: the row has no code


def test_resend_goes_only_to_people_who_still_have_access(
    client, ado, outbox, member, mailoutbox, django_capture_on_commit_callbacks
):
    services.block_portal_user(ado, member)
    client.force_login(ado)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(resend_url([outbox["failed"]])).status_code == 302
    outbox["failed"].refresh_from_db()
    assert (
        outbox["failed"].status == "failed"
        and "no longer has access" in outbox["failed"].last_error
    )
    assert mailoutbox == []


def test_resend_service_checks_permission_and_state(
    nobody, editor, outbox, django_capture_on_commit_callbacks
):
    with pytest.raises(ClientPortalPermissionDenied):
        services.resend_notifications(nobody, [outbox["failed"]])
    with pytest.raises(ClientPortalValidationError) as error:
        services.resend_notifications(editor, [outbox["failed"], outbox["sent"]])
    assert error.value.code == "not_resendable"
    with pytest.raises(ClientPortalValidationError) as error:
        services.resend_notifications(editor, [])
    assert error.value.code == "nothing_selected"
    assert Notification.objects.get(pk=outbox["failed"].pk).status == "failed"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.resend_notifications(editor, [outbox["failed"]]) == [outbox["failed"].pk]
    row = Notification.objects.get(pk=outbox["failed"].pk)
    assert (row.status, row.attempts) == ("queued", 0)
    assert len(callbacks) == 1  # delivery is asked for only after the commit


def test_resend_command_leaves_failed_login_codes(member, mailoutbox):
    from io import StringIO

    from django.core.management import call_command

    code = Notification.objects.create(
        kind="login_code", recipient=member.email, user=member.user, status="failed"
    )
    call_command("clientportal_send_notifications", "--failed", stdout=StringIO())
    code.refresh_from_db()
    assert code.status == "failed" and mailoutbox == []


# --- "Użytkownicy PK": the bounced marker ------------------------------------------------------


def _bounce(notification):
    event = AnymailTrackingEvent(event_type="bounced", message_id=notification.provider_message_id)
    tracking.send(sender=object, event=event, esp_name="T")


def test_portal_user_list_marks_whose_last_email_bounced(
    client, editor, nobody, portal_a, django_capture_on_commit_callbacks
):
    ok, bounced = PortalUserFactory.create_batch(2, client=portal_a.client, portals=[portal_a])
    mail.outbox = []
    with override_settings(MAILERS=ANYMAIL_TEST):
        with django_capture_on_commit_callbacks(execute=True):
            services.share_items(editor, [portal_a], [DocumentFactory()])
    _bounce(Notification.objects.get(user=bounced.user))
    url = reverse("clientportal_portal_users:client", args=[portal_a.client_id])
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    rows = {pu.pk: pu for pu in response.context["object_list"]}
    assert rows[bounced.pk].last_email_bounced and not rows[ok.pk].last_email_bounced
    text = response.text
    assert text.count("data-clientportal-bounced") == 1
    assert "Ostatni e-mail nie dotarł do tej osoby" in text
    assert "icon-warning" in text
    # Links to the outbox, filtered to that person's emails.
    assert reverse(LIST_URL) + "?q=" in text


def test_portal_user_list_marker_without_outbox_link_for_manage_portals_only(
    client, portal_a, member
):
    from tests.conftest import _staff

    only_portals = _staff(
        "portale@kancelaria.pl", "wagtailadmin.access_admin", "wagtail_clientportal.manage_portals"
    )
    row = failed_share_notification(member, portal_a)
    Notification.objects.filter(pk=row.pk).update(status="complained", sent_at=timezone.now())
    client.force_login(only_portals)
    text = client.get(reverse("clientportal_portal_users:client", args=[portal_a.client_id])).text
    assert "Ostatni e-mail nie dotarł do tej osoby" in text
    assert reverse(LIST_URL) not in text


def test_portal_user_list_queries_do_not_grow_with_users(
    client, editor, portal_a, django_assert_max_num_queries
):
    users = PortalUserFactory.create_batch(30, client=portal_a.client, portals=[portal_a])
    for pu in users[:10]:
        Notification.objects.create(
            kind="activation",
            recipient=pu.email,
            user=pu.user,
            status="bounced",
            sent_at=timezone.now(),
        )
    client.force_login(editor)
    url = reverse("clientportal_portal_users:client", args=[portal_a.client_id])
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.text.count("data-clientportal-bounced") == 10


def test_resend_button_returns_to_the_filtered_listing(client, editor, outbox):
    client.force_login(editor)
    results = reverse("clientportal_notifications:list_results")
    response = client.get(results, {"status": "failed"})
    assert response.status_code == 200
    expected = urlencode({"next": reverse(LIST_URL) + "?status=failed"})
    assert expected.replace("&", "&amp;") in response.text or expected in response.text


# --- Read-only preview ------------------------------------------------------------------------

SECRETS = re.compile(r"(?<!\d)\d{6}(?!\d)|/activate/|/password-reset/|https?://")


def inspect_url(notification):
    return reverse("clientportal_notifications:inspect", args=[notification.pk])


@pytest.mark.parametrize("kind", ["activation", "password_reset", "login_code", "new_shares"])
def test_outbox_row_opens_a_preview_without_codes_or_links(client, editor, member, portal_a, kind):
    member.user.set_unusable_password()  # an activation link would be made for this person
    member.user.save()
    context = {"count": 2, "counts": {"document": 2}, "message": "Prosimy o podpis."}
    if kind == "login_code":
        context = {"valid_minutes": 10}
    row = Notification.objects.create(
        kind=kind,
        recipient=member.email,
        user=member.user,
        portal_user=member,
        portal=portal_a,
        context=context,
        status="sent",
    )
    client.force_login(editor)
    listing = client.get(reverse(LIST_URL)).text
    assert inspect_url(row) in listing  # the row opens its preview
    response = client.get(inspect_url(row))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview is not None and preview.body
    main = response.text.split("<main", 1)[1]
    assert not SECRETS.search(preview.subject + preview.body), preview.body
    assert "/activate/" not in main and "/password-reset/" not in main
    assert "[odnośnik]" in preview.body or "[kod]" in preview.body or kind == "new_shares"


def test_preview_never_makes_a_token(client, editor, member, monkeypatch):
    from wagtail_clientportal.portal import tokens

    def boom(*args, **kwargs):
        raise AssertionError("a token was made for the preview")

    monkeypatch.setattr(tokens, "activation_url", boom)
    monkeypatch.setattr(tokens, "password_reset_url", boom)
    member.user.set_unusable_password()
    member.user.save()
    row = Notification.objects.create(
        kind="activation", recipient=member.email, user=member.user, portal_user=member
    )
    client.force_login(editor)
    assert client.get(inspect_url(row)).status_code == 200


def test_preview_redacts_a_host_templates_own_links_and_codes():
    from wagtail_clientportal.notifications.preview import redact

    text = redact("Kod: 123456, link https://kancelaria.example/portal/activate/abc/ i 2026")
    assert "123456" not in text and "https://" not in text and "2026" in text


def test_preview_is_403_without_outbox_access(client, nobody, outbox):
    client.force_login(nobody)
    assert client.get(inspect_url(outbox["failed"])).status_code == 403
