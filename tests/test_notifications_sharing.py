"""Issue 5: one message per person per sharing action, to exactly the right people."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from tests.factories import DocumentFactory, InvoiceFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import Notification
from wagtail_clientportal.notifications import summary

pytestmark = pytest.mark.django_db

ANYMAIL_TEST = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}


@pytest.fixture
def audience(portal_a, portal_a2, portal_b):
    """Two people who must hear of a share on portal A, and everyone who must not."""
    client = portal_a.client
    yesterday = datetime.date.today() - datetime.timedelta(days=2)
    return {
        "ok": [
            PortalUserFactory(client=client, portals=[portal_a]),
            PortalUserFactory(client=client, portals=[portal_a, portal_a2]),
        ],
        "not": [
            PortalUserFactory(client=client, portals=[portal_a], is_blocked=True),
            PortalUserFactory(client=client, portals=[portal_a], access_expires_on=yesterday),
            PortalUserFactory(client=client, portals=[portal_a], activated_at=None),
            PortalUserFactory(client=client, portals=[portal_a], user__is_active=False),
            PortalUserFactory(client=client, portals=[portal_a2]),  # not assigned to A
            PortalUserFactory(client=client, portals=[]),
            PortalUserFactory(client=portal_b.client, portals=[portal_b]),  # another client
        ],
    }


def test_exactly_the_right_recipients_one_message_each(
    editor, portal_a, audience, mailoutbox, django_capture_on_commit_callbacks
):
    docs = DocumentFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], docs)
    expected = sorted(pu.email for pu in audience["ok"])
    assert sorted(m.to[0] for m in mailoutbox) == expected
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mailoutbox)
    rows = Notification.objects.filter(kind="new_shares")
    assert sorted(rows.values_list("recipient", flat=True)) == expected
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    assert {r.portal_id for r in rows} == {portal_a.pk}


def test_one_message_per_person_per_action(
    editor, portal_a, portal_a2, audience, mailoutbox, django_capture_on_commit_callbacks
):
    both = audience["ok"][1]
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a, portal_a2], DocumentFactory.create_batch(4))
    # A: two people; A2: "both" and the one assigned only to A2. One message per person
    # (the one on both portals gets one listing both), never per item or per portal.
    assert len(mailoutbox) == 3
    assert sum(1 for m in mailoutbox if m.to == [both.email]) == 1
    assert len(Notification.objects.filter(kind="new_shares")) == 3


def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(
    editor, portal_a, audience, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.share_items(editor, [portal_a], DocumentFactory.create_batch(2))
                raise RuntimeError("staff cancelled")
    assert callbacks == [] and mailoutbox == []
    assert not Notification.objects.exists()


def test_sharing_again_what_is_already_shared_sends_nothing(
    editor, portal_a, audience, mailoutbox, django_capture_on_commit_callbacks
):
    doc = DocumentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], [doc])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], [doc])
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("count", "phrase", "shared"),
    [
        # The subject names the count (nominative); the sentence "udostępnia Państwu …"
        # takes it as its object (accusative): "1 nową pozycję".
        (1, "1 nowa pozycja", "udostępnia Państwu 1 nową pozycję"),
        (2, "2 nowe pozycje", "udostępnia Państwu 2 nowe pozycje"),
        (5, "5 nowych pozycji", "udostępnia Państwu 5 nowych pozycji"),
        (22, "22 nowe", "udostępnia Państwu 22 nowe pozycje"),
    ],
)
def test_polish_plural_of_the_count(
    count, phrase, shared, editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], DocumentFactory.create_batch(count))
    [message] = mailoutbox
    assert phrase in message.subject
    assert shared in message.body.replace("\xa0", " ")
    assert "„Dokumenty”" in message.subject
    assert "http://testserver/portal/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and phrase in html


def test_kind_phrases_in_polish():
    with translation.override("pl"):
        assert summary.kind_phrases({"document": 5, "invoice": 1, "settlement": 3}) == [
            "5 dokumentów",
            "1 faktura",
            "3 rozliczenia",
        ]
    with translation.override("en"):
        assert summary.total_phrase(1) == "1 new item"


def test_item_titles_stay_out_unless_the_setting_allows(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks, settings
):
    doc = DocumentFactory(title="Pozew przeciwko Gamma")
    invoice = InvoiceFactory(client=portal_a.client, number="FV/2026/7777")
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], [doc, invoice])
    [message] = mailoutbox
    everything = message.subject + message.body + message.alternatives[0][0]
    assert "Gamma" not in everything and "7777" not in everything
    assert "1 dokument" in message.body and "1 faktura" in message.body

    mailoutbox.clear()
    settings.WAGTAILCLIENTPORTAL_NOTIFY_ITEM_TITLES = True
    doc2 = DocumentFactory(title="Umowa najmu lokalu")
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], [doc2])
    [message] = mailoutbox
    assert "Umowa najmu lokalu" in message.body


def test_firm_name_and_footer_from_settings(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.WAGTAILCLIENTPORTAL_FIRM_NAME = "Kancelaria Nowak & Wspólnicy"
    settings.WAGTAILCLIENTPORTAL_EMAIL_FOOTER = "ul. Prosta 1, 00-001 Warszawa"
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], [DocumentFactory()])
    [message] = mailoutbox
    assert "Kancelaria Nowak & Wspólnicy" in message.subject
    assert "ul. Prosta 1" in message.body and "ul. Prosta 1" in message.alternatives[0][0]


@override_settings(MAILERS=ANYMAIL_TEST)
def test_bounded_queries_and_one_provider_round_for_a_large_share(
    editor, portal_a, django_capture_on_commit_callbacks
):
    """1,000 items × 200 users: the query count does not grow with items or people."""
    from django.core import mail

    mail.outbox = []
    users = PortalUserFactory.create_batch(200, client=portal_a.client, portals=[portal_a])
    docs = DocumentFactory.create_batch(1000)
    with CaptureQueriesContext(connection) as share_queries:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.share_items(editor, [portal_a], docs)
    with CaptureQueriesContext(connection) as send_queries:
        for callback in callbacks:
            callback()
    print(f"share: {len(share_queries)} queries; delivery: {len(send_queries)} queries")
    assert len(share_queries) <= 15
    assert len(send_queries) <= 10
    assert len(mail.outbox) == 200 == len(users)
    assert Notification.objects.filter(status="sent").count() == 200
    assert all(not m.anymail_test_params["is_batch_send"] for m in mail.outbox)
    # Every message got a provider id, kept for the delivery-status webhooks.
    ids = set(Notification.objects.values_list("provider_message_id", flat=True))
    assert len(ids) == 200 and "" not in ids
