"""Wagtail's audit log: every state change a service makes, once, with the actor and a payload."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import registry
from wagtail.models import ModelLogEntry

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import (
    ClientPortalPermissionDenied,
    ClientPortalValidationError,
)
from wagtail_clientportal.models import Notification, Portal, PortalUser
from wagtail_clientportal.services import audit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _entries(action, **filters):
    return list(ModelLogEntry.objects.filter(action=action, **filters).order_by("pk"))


def _one(action, instance):
    [entry] = _entries(action, object_id=str(instance.pk))
    return entry


def test_every_action_is_registered_with_a_polish_label():
    from django.utils import translation

    actions = list(audit._ACTIONS)
    # 14 + passkey added, removed + the RODO export, erasure and legal hold
    # + the notification preference + the audit export
    assert len(actions) == 21
    for action in actions:
        assert registry.action_exists(action), action
        with translation.override("en"):
            english = str(registry.get_action_label(action))
        with translation.override("pl"):
            assert str(registry.get_action_label(action)) != english, action


def test_portal_create_rename_delete_are_logged_with_the_actor(ado, client_a):
    portal = services.create_portal(ado, client_a, "Sprawy")
    entry = _one(audit.PORTAL_CREATE, portal)
    assert entry.user_id == ado.pk and entry.content_type.model_class() is Portal
    assert entry.data["client_name"] == "Alfa Sp. z o.o." and entry.data["portal_name"] == "Sprawy"
    services.rename_portal(ado, portal, "Sprawy sądowe")
    renamed = _one(audit.PORTAL_RENAME, portal)
    assert renamed.data["old_name"] == "Sprawy" and renamed.data["portal_name"] == "Sprawy sądowe"
    PortalUserFactory(client=client_a, portals=[portal])
    pk = portal.pk
    services.delete_portal(ado, portal)
    [deleted] = _entries(audit.PORTAL_DELETE, object_id=str(pk))
    assert deleted.deleted and deleted.user_id == ado.pk
    assert deleted.data["users_deleted"] == 1 and deleted.data["portal_name"] == "Sprawy sądowe"


def test_a_refused_action_logs_nothing(editor, ado, client_a, portal_a):
    with pytest.raises(ClientPortalPermissionDenied):
        services.create_portal(editor, client_a, "Nowy")
    with pytest.raises(ClientPortalValidationError):
        services.create_portal(ado, client_a, portal_a.name)  # name taken
    assert not ModelLogEntry.objects.filter(action__startswith=audit.PREFIX).exists()


def test_portal_user_actions_are_logged_on_the_person(ado, client_a, portal_a, portal_a2):
    pu = services.create_portal_user(
        ado, client_a, email="jan@klient.pl", first_name="Jan", last_name="N", portals=[portal_a]
    )
    created = _one(audit.USER_CREATE, pu)
    assert created.content_type.model_class() is PortalUser
    assert created.data["portal_ids"] == [portal_a.pk] and created.data["email"] == "jan@klient.pl"
    services.send_activation(ado, pu)
    assert _one(audit.USER_ACTIVATION, pu).user_id == ado.pk
    services.update_portal_user(
        ado,
        pu,
        first_name="Jan",
        last_name="Kowalski",
        access_expires_on=datetime.date(2030, 1, 31),
        portals=[portal_a, portal_a2],
    )
    edit = _one(audit.USER_EDIT, pu)  # one entry for the whole form
    assert edit.data["changes"] == {
        "name": ["Jan N", "Jan Kowalski"],
        "access_expires_on": [None, "2030-01-31"],
        "portal_ids": [[portal_a.pk], sorted([portal_a.pk, portal_a2.pk])],
    }
    services.update_portal_user(  # nothing changed: nothing logged
        ado,
        pu,
        first_name="Jan",
        last_name="Kowalski",
        access_expires_on=datetime.date(2030, 1, 31),
        portals=[portal_a, portal_a2],
    )
    assert len(_entries(audit.USER_EDIT)) == 1
    services.block_portal_user(ado, pu)
    services.unblock_portal_user(ado, pu)
    assert _one(audit.USER_BLOCK, pu) and _one(audit.USER_UNBLOCK, pu)
    pk = pu.pk
    services.delete_portal_user(ado, pu)
    [deleted] = _entries(audit.USER_DELETE, object_id=str(pk))
    assert deleted.deleted and deleted.data["name"] == "Jan Kowalski"


def test_bulk_block_logs_each_person_in_one_insert(ado, client_a, portal_a):
    people = [PortalUserFactory(client=client_a, portals=[portal_a]) for _ in range(3)]
    services.block_portal_users(ado, people)
    entries = _entries(audit.USER_BLOCK)
    assert sorted(int(e.object_id) for e in entries) == sorted(p.pk for p in people)
    assert all(e.user_id == ado.pk and e.data["bulk"] for e in entries)


def test_share_and_revoke_are_one_entry_per_portal_with_counts(editor, portal_a, portal_a2, member):
    docs = DocumentFactory.create_batch(3)
    result = services.share_items(editor, [portal_a, portal_a2], docs, require_receipt=True)
    entries = _entries(audit.SHARE)
    assert {int(e.object_id) for e in entries} == {portal_a.pk, portal_a2.pk}
    on_a = _one(audit.SHARE, portal_a)
    assert on_a.user_id == editor.pk and on_a.data["count"] == 3
    assert on_a.data["receipt_requested"] is True and on_a.data["notified"] == 1
    assert {i["share_id"] for i in on_a.data["items"]} == {
        s.pk for s in result.created if s.portal_id == portal_a.pk
    }
    assert "3" in on_a.message  # counted message ("Udostępniono 3 elementy")
    services.share_items(editor, [portal_a], docs)  # all already shared: nothing new
    assert len(_entries(audit.SHARE)) == 2
    services.revoke_items(editor, docs[:2], [portal_a])
    revoked = _one(audit.REVOKE, portal_a)
    assert revoked.data["count"] == 2 and revoked.user_id == editor.pk


def test_deleting_a_portal_counts_the_shares_it_revoked(editor, administrator):
    portal = PortalFactory()
    services.share_items(editor, [portal], [DocumentFactory()])
    services.delete_portal(administrator, portal)  # revokes them with the portal
    [entry] = _entries(audit.PORTAL_DELETE)
    assert entry.data["active_shares_revoked"] == 1 and entry.user_id == administrator.pk


def test_snapshot_is_logged_on_the_version(editor):
    doc = DocumentFactory(file=ContentFile(b"abc", name="a.pdf"))
    version = services.snapshot_document(editor, doc, label="v1")
    entry = _one(audit.VERSION_SNAPSHOT, version)
    assert entry.data["sha256"] == version.sha256 and entry.data["document_id"] == doc.pk


def test_resending_a_notification_is_logged(administrator, member):
    failed = Notification.objects.create(
        kind=Notification.Kind.ACTIVATION,
        recipient=member.email,
        user=member.user,
        portal_user=member,
        status=Notification.Status.FAILED,
    )
    services.resend_notifications(administrator, [failed])
    entry = _one(audit.NOTIFICATION_RESEND, failed)
    assert entry.user_id == administrator.pk and entry.data["recipient"] == member.email


def test_a_confirmation_is_logged_on_the_portal_with_the_clients_login(client, editor, member):
    portal = member.portals.get()
    doc = DocumentFactory(file=ContentFile(b"tresc", name="w.pdf"))
    due = timezone.localdate() + datetime.timedelta(3)
    [share] = services.share_items(
        editor, [portal], [doc], require_receipt=True, confirm_by=due
    ).created
    otp_login(client, member.user)
    url = reverse("wagtail_clientportal:confirm_receipt", args=[portal.pk, share.pk])
    assert client.post(url).status_code == 302
    entry = _one(audit.RECEIPT_CONFIRM, portal)
    assert entry.user_id == member.user_id and entry.data["share_id"] == share.pk
    assert entry.data["portal_user_id"] == member.pk and len(entry.data["sha256"]) == 64


def test_no_entry_carries_a_secret(ado, client_a, portal_a):
    pu = services.create_portal_user(
        ado, client_a, email="ewa@klient.pl", first_name="Ewa", last_name="L", portals=[portal_a]
    )
    services.send_activation(ado, pu)
    text = " ".join(str(e.data) for e in ModelLogEntry.objects.all()).lower()
    for secret in ("token", "http", "password", "code", "pbkdf2"):
        assert secret not in text


# --- where staff see it ------------------------------------------------------------------


def test_a_share_shows_in_the_site_history_report_for_an_ado(client, ado, editor, nobody, portal_a):
    services.share_items(editor, [portal_a], [DocumentFactory(title="Umowa")])
    url = reverse("wagtailadmin_reports:site_history")
    client.force_login(ado)
    page = client.get(url)
    assert page.status_code == 200
    entries = list(page.context["object_list"])
    assert [e.action for e in entries] == [audit.SHARE]
    html = page.content.decode()
    assert str(portal_a) in html
    # Filtered by permission as Wagtail does: no permission on portals, no entry.
    client.force_login(nobody)
    response = client.get(url)
    assert response.status_code in (200, 302, 403)
    if response.status_code == 200:
        assert not list(response.context["object_list"])


def test_the_portal_and_person_history_views_show_the_entries(client, ado, client_a, portal_a):
    services.rename_portal(ado, portal_a, "Dokumenty 2026")
    pu = services.create_portal_user(
        ado, client_a, email="o@klient.pl", first_name="Ola", last_name="K", portals=[portal_a]
    )
    client.force_login(ado)
    page = client.get(reverse("clientportal_portals:history", args=[portal_a.pk]))
    assert page.status_code == 200
    assert [e.action for e in page.context["object_list"]] == [audit.PORTAL_RENAME]
    page = client.get(reverse("clientportal_portal_users:history", args=[pu.pk]))
    assert page.status_code == 200
    assert [e.action for e in page.context["object_list"]] == [audit.USER_CREATE]
