"""Proof of delivery, part 2: "Potwierdzam odbiór" — asked by staff, confirmed by a POST."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalUserFactory, UserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import DeliveryEvent, Notification, ReceiptRequest
from wagtail_clientportal.staff.forms import ShareForm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

CONTENT = b"%PDF-1.4 wezwanie do zaplaty"


def _ask(editor, portals, *items, due_on=None):
    return services.share_items(
        editor, portals, list(items), require_receipt=True, confirm_by=due_on
    ).created


def _confirm_url(share):
    return reverse("wagtail_clientportal:confirm_receipt", args=[share.portal_id, share.pk])


def _item_url(share):
    return reverse("wagtail_clientportal:item", args=[share.portal_id, share.pk])


@pytest.fixture
def asked(editor, portal_a):
    doc = DocumentFactory(title="Wezwanie", file=ContentFile(CONTENT, name="wezwanie.pdf"))
    [share] = _ask(editor, [portal_a], doc, due_on=timezone.localdate() + datetime.timedelta(5))
    return share


def test_sharing_asks_for_confirmation_in_one_batch(editor, portal_a, portal_a2):
    shares = _ask(editor, [portal_a, portal_a2], DocumentFactory(), DocumentFactory())
    requests = ReceiptRequest.objects.filter(share__in=shares)
    assert requests.count() == 4 and len({r.batch for r in requests}) == 1
    assert {r.requested_by_id for r in requests} == {editor.pk}
    plain = services.share_items(editor, [portal_a], [DocumentFactory()]).created
    assert not ReceiptRequest.objects.filter(share__in=plain).exists()


def test_share_form_fields_and_date_rule(portal_a):
    data = {"portals": [portal_a.pk], "mode": "live", "confirm_by": "2999-01-01"}
    form = ShareForm(data)
    assert not form.is_valid() and "confirm_by" in form.errors
    form = ShareForm({**data, "require_receipt": "on"})
    assert form.is_valid(), form.errors
    assert form.receipt_options() == {
        "require_receipt": True,
        "confirm_by": datetime.date(2999, 1, 1),
    }
    past = ShareForm({**data, "require_receipt": "on", "confirm_by": "2000-01-01"})
    assert not past.is_valid() and "confirm_by" in past.errors


def test_client_confirms_with_a_post_and_the_content_hash_is_recorded(client, asked, member):
    otp_login(client, member.user)
    page = client.get(_item_url(asked)).content.decode()
    assert _confirm_url(asked) in page and 'method="post"' in page
    response = client.post(_confirm_url(asked), HTTP_USER_AGENT="UA")
    assert response.status_code == 302
    event = DeliveryEvent.objects.get(kind="confirmation")
    assert event.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert (event.portal_user_ref, event.share_ref, event.status) == (
        member.pk,
        asked.pk,
        "confirmed",
    )
    assert event.ip_address == "127.0.0.1" and event.file_size == len(CONTENT)
    again = client.post(_confirm_url(asked))
    assert again.status_code == 400
    assert again.context["error"].code == "receipt_already_confirmed"
    assert DeliveryEvent.objects.filter(kind="confirmation").count() == 1
    [status] = services.delivery_status.for_shares([asked])
    assert status.confirmed_at == event.at


def test_get_and_links_never_confirm(client, asked, member):
    otp_login(client, member.user)
    assert client.get(_confirm_url(asked)).status_code == 405
    assert client.head(_confirm_url(asked)).status_code == 405
    assert not DeliveryEvent.objects.filter(kind="confirmation").exists()


def test_confirming_needs_the_one_time_code(client, asked, member):
    client.force_login(member.user)  # password only, no second factor
    response = client.post(_confirm_url(asked))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtail_clientportal:login"))
    assert not DeliveryEvent.objects.filter(kind="confirmation").exists()


@pytest.mark.parametrize("change", ["blocked", "expired"])
def test_blocked_or_expired_users_cannot_confirm(client, asked, member, change):
    otp_login(client, member.user)
    if change == "blocked":
        member.is_blocked = True
    else:
        member.access_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    member.save()
    assert client.post(_confirm_url(asked)).status_code == 403
    assert not DeliveryEvent.objects.filter(kind="confirmation").exists()


def test_the_service_refuses_a_session_without_access(rf, asked, member):
    from django.contrib.auth.models import AnonymousUser

    from wagtail_clientportal.exceptions import ClientPortalPermissionDenied

    request = rf.post("/")
    request.user = AnonymousUser()
    with pytest.raises(ClientPortalPermissionDenied) as refused:
        services.receipts.confirm_receipt(request, asked.portal, asked.pk)
    assert refused.value.code == "receipt_no_access"


def test_an_item_without_a_request_cannot_be_confirmed(client, editor, member, portal_a):
    [share] = services.share_items(editor, [portal_a], [DocumentFactory()]).created
    otp_login(client, member.user)
    response = client.post(_confirm_url(share))
    assert response.status_code == 400
    assert response.context["error"].code == "receipt_not_requested"


def test_a_before_confirmation_hook_may_refuse(client, asked, member):
    from wagtail import hooks

    otp_login(client, member.user)
    with hooks.register_temporarily(
        "clientportal_before_receipt_confirmation", lambda portal_user, share: "Nie teraz"
    ):
        response = client.post(_confirm_url(asked))
    assert response.status_code == 400 and response.context["error"].code == "receipt_refused"


def _emails(kind):
    return list(Notification.objects.filter(kind=kind))


def test_reminders_are_one_email_per_person_per_batch(editor, portal_a, portal_a2, member):
    member.portals.add(portal_a2)
    other = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    due = timezone.localdate() + datetime.timedelta(days=1)
    shares = _ask(editor, [portal_a, portal_a2], DocumentFactory(), DocumentFactory(), due_on=due)
    too_early = services.receipts.send_reminders(today=due - datetime.timedelta(days=10))
    assert too_early == {"reminders": 0, "overdue": 0}
    sent = services.receipts.send_reminders(today=due - datetime.timedelta(days=1))
    assert sent["reminders"] == 2
    reminders = _emails("receipt_reminder")
    assert sorted(n.recipient for n in reminders) == sorted([member.email, other.email])
    mine = next(n for n in reminders if n.recipient == member.email)
    assert mine.context["count"] == 4  # two items on two portals, in one email
    assert services.receipts.send_reminders(today=due)["reminders"] == 0  # never twice
    assert len(_emails("receipt_reminder")) == 2
    assert shares


def test_confirmed_people_get_no_reminder_and_staff_one_overdue_notice(
    client, editor, portal_a, member
):
    editor.email = "redaktor@kancelaria.pl"
    editor.save()
    other = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    due = timezone.localdate() + datetime.timedelta(days=1)
    [share] = _ask(editor, [portal_a], DocumentFactory(), due_on=due)
    otp_login(client, member.user)
    client.post(_confirm_url(share))
    services.receipts.send_reminders(today=due)
    assert [n.recipient for n in _emails("receipt_reminder")] == [other.email]
    after = due + datetime.timedelta(days=1)
    assert services.receipts.send_reminders(today=after)["overdue"] == 1
    assert services.receipts.send_reminders(today=after)["overdue"] == 0
    [notice] = _emails("receipt_overdue")
    assert notice.recipient == "redaktor@kancelaria.pl" and notice.context["people"] == 1


def test_reminder_emails_render_in_polish_without_a_confirmation_link(editor, portal_a, member):
    from wagtail_clientportal.notifications.delivery import build_message

    due = timezone.localdate() + datetime.timedelta(days=1)
    _ask(editor, [portal_a], DocumentFactory(), due_on=due)
    services.receipts.send_reminders(today=due)
    message = build_message(_emails("receipt_reminder")[0])
    assert "confirm" not in message.body  # translated
    assert "/confirm/" not in message.body and reverse("wagtail_clientportal:login") in message.body


def test_staff_filter_who_has_not_confirmed(client, editor, asked, member, portal_a):
    other = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    otp_login(client, member.user)
    client.post(_confirm_url(asked))
    staff = UserFactory(username="staff-filter@kancelaria.pl")
    staff.groups.set(editor.groups.all())
    client.force_login(staff)
    url = reverse("clientportal_portals:detail", args=[portal_a.pk])
    waiting = client.get(url, {"confirmed": "no"}).context["delivery"]
    assert [r.portal_user_id for r in waiting] == [other.pk]
    done = client.get(url, {"confirmed": "yes"}).context["delivery"]
    assert [r.portal_user_id for r in done] == [member.pk]


def test_reminder_and_overdue_emails_show_the_date_in_polish(editor, portal_a, member):
    from wagtail_clientportal.notifications.delivery import build_message

    editor.email = "redaktor@kancelaria.pl"
    editor.save()
    due = datetime.date(2031, 11, 16)
    _ask(editor, [portal_a], DocumentFactory(), due_on=due)
    services.receipts.send_reminders(today=due)
    services.receipts.send_reminders(today=due + datetime.timedelta(days=1))
    for kind in ("receipt_reminder", "receipt_overdue"):
        body = build_message(_emails(kind)[0]).body
        assert "16 listopada 2031" in body and "2031-11-16" not in body
