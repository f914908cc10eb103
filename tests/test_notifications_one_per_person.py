"""One email per person per sharing action, listing every portal it concerns; the staff
message counts people."""

import pytest
from django.core import mail

from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import Notification, PortalUser
from wagtail_clientportal.notifications.delivery import deliver

pytestmark = pytest.mark.django_db


def test_a_person_on_two_portals_gets_one_email_listing_both(
    editor, client_a, portal_a, portal_a2, mailoutbox, django_capture_on_commit_callbacks
):
    both = PortalUserFactory(client=client_a, portals=[portal_a, portal_a2])
    only_one = PortalUserFactory(client=client_a, portals=[portal_a2])
    with django_capture_on_commit_callbacks(execute=True):
        result = services.share_items(
            editor, [portal_a, portal_a2], DocumentFactory.create_batch(2)
        )
    assert result.notified_people == 2 and len(result.notifications) == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([both.user.email, only_one.user.email])
    [message] = [m for m in mailoutbox if m.to == [both.user.email]]
    body = message.body.replace("\xa0", " ")
    assert "4 nowe pozycje w panelach klienta" in body
    assert "„Dokumenty”" in body and "„Faktury”" in body
    assert f"/portal/p/{portal_a.pk}/" in body and f"/portal/p/{portal_a2.pk}/" in body
    html = message.alternatives[0][0]
    assert f"/portal/p/{portal_a.pk}/" in html and f"/portal/p/{portal_a2.pk}/" in html
    assert "panelach klienta" in message.subject
    [single] = [m for m in mailoutbox if m.to == [only_one.user.email]]
    assert "„Faktury”" in single.subject and "Dokumenty" not in single.body


def test_the_same_login_on_two_clients_gets_one_email(
    editor, client_a, client_b, portal_a, portal_b, mailoutbox, django_capture_on_commit_callbacks
):
    first = PortalUserFactory(client=client_a, portals=[portal_a])
    PortalUserFactory(client=client_b, user=first.user, portals=[portal_b])
    with django_capture_on_commit_callbacks(execute=True):
        result = services.share_items(editor, [portal_a, portal_b], [DocumentFactory()])
    assert result.notified_people == 1 and len(mailoutbox) == 1
    body = mailoutbox[0].body.replace("\xa0", " ")
    assert "Alfa Sp. z o.o." in body and "Beta S.A." in body


def test_a_portal_lost_before_delivery_is_left_out_of_the_email(
    editor, client_a, portal_a, portal_a2, mailoutbox
):
    person = PortalUserFactory(client=client_a, portals=[portal_a, portal_a2])
    services.share_items(editor, [portal_a, portal_a2], [DocumentFactory()])
    # Unassigned from the second portal between the share and the delivery.
    person.portals.remove(portal_a2)
    deliver()
    [message] = mailoutbox
    body = message.body.replace("\xa0", " ")
    assert "„Dokumenty”" in body and "„Faktury”" not in body


def test_no_portal_left_sends_nothing(editor, client_a, portal_a, portal_a2, mailoutbox):
    person = PortalUserFactory(client=client_a, portals=[portal_a, portal_a2])
    services.share_items(editor, [portal_a, portal_a2], [DocumentFactory()])
    PortalUser.objects.filter(pk=person.pk).update(is_blocked=True)
    deliver()
    assert mail.outbox == []
    assert Notification.objects.get().status != Notification.Status.SENT
