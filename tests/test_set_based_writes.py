"""Issue 14, item 1: writes over many rows cost a bounded number of statements.

Each service runs at 10 and at 10,000 rows (set up with ``bulk_create``) and must
issue the same number of queries; what it does stays what the rules ask (rule 7:
users of only this portal deleted, staff logins kept; rule 12: shares revoked and
kept with copied names; Wagtail's reference index has no entry left pointing at a
deleted row).
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.models import Collection, ReferenceIndex

from tests.factories import PortalFactory
from wagtail_clientportal import hooks as cp_hooks
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import (
    ClientPortalPermissionDenied,
    ClientPortalValidationError,
)
from wagtail_clientportal.models import (
    Notification,
    Portal,
    PortalAssignment,
    PortalUser,
    Share,
)

pytestmark = pytest.mark.django_db
User = get_user_model()
BIG = 10_000


def _documents(n, prefix):
    Document = get_document_model()
    root = Collection.get_first_root_node().pk  # the default would cost a query per row
    return Document.objects.bulk_create(
        [
            Document(title=f"{prefix} {i}", file=f"documents/{prefix}{i}.pdf", collection_id=root)
            for i in range(n)
        ],
        batch_size=1000,
    )


def _shares(portal, n, actor):
    docs = _documents(n, f"p{portal.pk}")
    return Share.objects.bulk_create(
        [
            Share(
                portal=portal,
                document=d,
                shared_by=actor,
                portal_name=portal.name,
                client_name=portal.client.name,
            )
            for d in docs
        ],
        batch_size=1000,
    )


def _users(portal, n, tag):
    logins = User.objects.bulk_create(
        [User(username=f"{tag}{i}@klient.pl", email=f"{tag}{i}@klient.pl") for i in range(n)]
    )
    people = PortalUser.objects.bulk_create(
        [
            PortalUser(user=u, client=portal.client, first_name="A", last_name=f"B{i}")
            for i, u in enumerate(logins)
        ]
    )
    PortalAssignment.objects.bulk_create(
        [PortalAssignment(portal_user=p, portal=portal) for p in people]
    )
    Notification.objects.bulk_create(
        [
            Notification(kind="new_shares", recipient=u.email, user=u, portal_user=p, portal=portal)
            for u, p in zip(logins, people, strict=True)
        ]
    )
    return people


def _queries(fn, actor=None):
    if actor is not None:
        actor.get_all_permissions()  # cached on the login: count the service, not the cache
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return ctx.captured_queries


def _portal_with(client, shares, users, actor, tag):
    portal = PortalFactory(client=client, name=f"Panel {tag}")
    _shares(portal, shares, actor)
    _users(portal, users, tag)
    return portal


def test_delete_portal_costs_the_same_at_10_and_10000_shares(ado, editor, client_a):
    small = _portal_with(client_a, 10, 3, editor, "s")
    big = _portal_with(client_a, BIG, 200, editor, "b")
    few = len(_queries(lambda: services.delete_portal(ado, small)))
    many = _queries(lambda: services.delete_portal(ado, big))
    # The first run also fills the content-type cache, hence "at most".
    assert len(many) <= few, [q["sql"][:80] for q in many]
    assert not Portal.objects.filter(pk=big.pk).exists()
    kept = Share.objects.filter(portal_name="Panel b")
    assert kept.count() == BIG
    assert not kept.filter(revoked_at__isnull=True).exists()
    assert set(kept.values_list("revoked_by", "portal", "client_name").distinct()) == {
        (ado.pk, None, client_a.name)
    }
    assert not PortalUser.objects.filter(last_name__startswith="B").exists()
    assert not User.objects.filter(username__startswith="b").exclude(pk=editor.pk).exists()
    history = Notification.objects.filter(recipient__startswith="b")
    assert history.count() == 200
    assert not history.exclude(user=None, portal_user=None, portal=None).exists()


def test_delete_portal_keeps_the_reference_index_consistent(ado, editor, client_a, document):
    portal = PortalFactory(client=client_a)
    person = _users(portal, 1, "r")[0]
    share = services.share_items(editor, [portal], [document]).created[0]
    notification = Notification.objects.get(portal_user=person, kind="new_shares")
    for row in (share, notification):
        ReferenceIndex.create_or_update_for_object(row)
    doc_type = ContentType.objects.get_for_model(get_document_model())
    assert ReferenceIndex.objects.filter(to_content_type__model="portal").count() == 2

    services.delete_portal(ado, portal)

    def pointing_at(model, pk):
        return ReferenceIndex.objects.filter(
            to_content_type=ContentType.objects.get_for_model(model), to_object_id=str(pk)
        )

    assert not pointing_at(Portal, portal.pk).exists()
    assert not pointing_at(PortalUser, person.pk).exists()
    assert not pointing_at(User, person.user_id).exists()
    # The share is still there and still points at its document (rule 12).
    assert ReferenceIndex.objects.filter(
        to_content_type=doc_type, to_object_id=str(document.pk)
    ).exists()


def test_the_login_of_a_staff_member_by_group_permission_is_kept(ado, editor, client_a):
    portal = PortalFactory(client=client_a)
    person = _users(portal, 1, "g")[0]
    person.user.groups.set(editor.groups.all())  # wagtailadmin.access_admin through a group
    plan = services.delete_portal(ado, portal)
    assert plan.deleted_login_ids == []
    assert User.objects.filter(pk=person.user_id).exists()


def _revoke_all(editor, portal):
    return services.revoke_shares(editor, list(Share.objects.filter(portal=portal)))


def test_revoke_shares_is_one_update_at_10_and_10000(editor, client_a):
    small, big = PortalFactory(client=client_a), PortalFactory(client=client_a)
    _shares(small, 10, editor)
    _shares(big, BIG, editor)
    few = _queries(lambda: _revoke_all(editor, small), editor)
    seen = []
    hooks.register(cp_hooks.AFTER_REVOKE, lambda **kw: seen.append(kw["shares"]))
    try:
        many = _queries(lambda: _revoke_all(editor, big), editor)
    finally:
        hooks._hooks[cp_hooks.AFTER_REVOKE].pop()
    assert len(many) == len(few)
    updates = [q["sql"] for q in many if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "CASE" not in updates[0]
    assert not Share.objects.filter(portal=big, revoked_at__isnull=True).exists()
    assert len(seen[0]) == BIG and all(s.revoked_by == editor for s in seen[0])


def test_revoke_items_is_one_update_at_10_and_10000(editor, client_a):
    small, big = PortalFactory(client=client_a), PortalFactory(client=client_a)

    def revoke(portal, n):
        docs = [s.document for s in _shares(portal, n, editor)]
        return lambda: services.revoke_items(editor, docs, [portal])

    few, many = _queries(revoke(small, 10), editor), _queries(revoke(big, BIG), editor)
    assert len(many) == len(few)
    assert sum(q["sql"].startswith("UPDATE") for q in many) == 1
    assert Share.objects.filter(portal=big).revoked().count() == BIG


def test_block_and_unblock_many_people_in_one_update(ado, editor, client_a):
    portal = PortalFactory(client=client_a)
    small, big = _users(portal, 10, "k"), _users(portal, 1000, "m")
    few = _queries(lambda: services.block_portal_users(ado, small), ado)
    many = _queries(lambda: services.block_portal_users(ado, big))
    assert len(many) == len(few)
    assert sum(q["sql"].startswith("UPDATE") for q in many) == 1
    assert PortalUser.objects.filter(is_blocked=True).count() == 1010
    assert services.unblock_portal_users(ado, big) == 1000
    assert PortalUser.objects.filter(is_blocked=True).count() == 10


def test_bulk_block_refuses_without_permission_or_when_someone_is_gone(ado, editor, client_a):
    portal = PortalFactory(client=client_a)
    people = _users(portal, 3, "x")
    with pytest.raises(ClientPortalPermissionDenied):
        services.block_portal_users(editor, people)
    services.delete_portal_user(ado, people[0])
    with pytest.raises(ClientPortalValidationError) as exc:
        services.block_portal_users(ado, people)
    assert exc.value.code == "portal_user_gone"
    assert not PortalUser.objects.filter(is_blocked=True).exists()
    with pytest.raises(ClientPortalValidationError) as exc:
        services.block_portal_users(ado, [])
    assert exc.value.code == "nothing_selected"
