"""``prepared.PreparedQuery``: a queryset compiled once, run with new values, must give
exactly the rows and related objects the ORM gives, and fall back to the ORM where
its check does not recognise the query."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import DocumentFactory, InvoiceFactory, PortalFactory, PortalUserFactory
from wagtail_clientportal import services, share_kinds
from wagtail_clientportal.models import Portal, PortalAssignment, Share
from wagtail_clientportal.prepared import PreparedQuery
from wagtail_clientportal.services import access

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _same(prepared: list, orm: list, paths) -> None:
    """Same rows, same values, and the same related objects loaded (no query to reach them)."""
    assert [_fields(o) for o in prepared] == [_fields(o) for o in orm]
    for mine, theirs in zip(prepared, orm, strict=True):
        for path in paths:
            a, b = mine, theirs
            for step in path.split("__"):
                a, b = getattr(a, step), getattr(b, step)
                if a is None:
                    break
            assert (a and _fields(a)) == (b and _fields(b)), path


@pytest.fixture
def shares(editor, portal_a, portal_b):
    document, invoice = DocumentFactory(), InvoiceFactory(client=portal_a.client)
    created = services.share_items(editor, [portal_a], [document, invoice]).created
    expired = services.share_items(
        editor, [portal_a], [DocumentFactory()], expires_at=timezone.now() + datetime.timedelta(1)
    ).created[0]
    Share.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    expired.refresh_from_db()
    other = services.share_items(editor, [portal_b], [DocumentFactory()]).created[0]
    return [*created, expired, other]


def test_the_share_query_is_compiled_and_agrees_with_the_orm(shares, portal_a, portal_b):
    now = timezone.now()
    for share in shares:
        for portal in (portal_a, portal_b):
            for related in [share_kinds.RELATED, *(k.related for k in share_kinds.KINDS.values())]:
                values = dict(now=now, share_id=share.pk, portal_id=portal.pk)
                mine = access._share(related, **values)
                _same(mine, list(access._share_query(related, **values)), related)
    # The compiled form ran (an unrecognised query would have been left to the ORM).
    assert access._share._compiled and None not in access._share._compiled.values()
    # The moment is a parameter: the expired share is found before its expiry.
    expired = shares[2]
    before = expired.expires_at - datetime.timedelta(seconds=1)
    assert access._share(("document",), now=before, share_id=expired.pk, portal_id=portal_a.pk)
    assert not access._share(("document",), now=now, share_id=expired.pk, portal_id=portal_a.pk)


def test_the_assignment_query_is_compiled_and_agrees_with_the_orm(portal_a, portal_b, member):
    # The same person is also a member of portal_b's client, not assigned there.
    PortalUserFactory(user=member.user, client=portal_b.client)
    related_ones = [(), ("client",), ("client", "client__contact_person")]
    for portal in (portal_a, portal_b, PortalFactory(client=portal_a.client)):
        for related in related_ones:
            values = dict(portal_id=portal.pk, user_id=member.user.pk)
            paths = ["portal_user", "portal", *(f"portal__{p}" for p in related)]
            mine = access._assignment(related, **values)
            _same(mine, list(access._assignment_query(related, **values)), paths)
            assert bool(mine) is (portal == portal_a)
    assert None not in access._assignment._compiled.values()


def test_one_query_and_no_more_to_reach_what_was_joined(portal_a, member):
    with CaptureQueriesContext(connection) as captured:
        [assignment] = access._assignment(
            ("client",), portal_id=portal_a.pk, user_id=member.user.pk
        )
        assert assignment.portal.client.name == portal_a.client.name
        assert assignment.portal_user.pk == member.pk
    assert len(captured) == 1


def test_a_query_it_does_not_recognise_is_left_to_the_orm(portal_a):
    # A value the query never uses: no marker to find, so nothing is compiled.
    ignoring = PreparedQuery(
        Portal, lambda *, portal_id: Portal.objects.filter(pk=1), portal_id=int
    )
    # A marker the field rejects (a UUID is no primary key here).
    rejected = PreparedQuery(
        Portal, lambda *, key: Portal.objects.filter(name=uuid.UUID(int=key)), key=int
    )
    # Annotations are not read back by the compiled form.
    annotated = PreparedQuery(
        Portal,
        lambda *, portal_id: Portal.objects.filter(pk=portal_id).annotate(n=access.Count("pk")),
        portal_id=int,
    )
    # A parameter computed from a value would be frozen at the marker's: not compiled.
    derived = PreparedQuery(
        Share,
        lambda *, now: Share.objects.filter(
            shared_at__lte=now, shared_at__gte=now - datetime.timedelta(days=1)
        ),
        now=datetime.datetime,
    )
    assert ignoring(portal_id=portal_a.pk) == list(Portal.objects.filter(pk=1))
    assert rejected(key=5) == []
    assert annotated(portal_id=portal_a.pk)[0].n == 1
    assert derived(now=timezone.now() + datetime.timedelta(days=30)) == []
    for query in (ignoring, rejected, annotated, derived):
        assert list(query._compiled.values()) == [None]


def test_values_the_compiled_form_does_not_take_are_answered_by_the_orm(editor, portal_a):
    # A key no 64-bit column holds, a moment without a time zone: as the ORM answers.
    share = services.share_items(editor, [portal_a], [DocumentFactory()]).created[0]
    values = dict(share_id=2**63, portal_id=portal_a.pk, now=timezone.now())
    assert access._share(("document",), **values) == []
    naive = timezone.make_naive(timezone.now() + datetime.timedelta(hours=3))
    values.update(share_id=share.pk, now=naive)
    Share.objects.filter(pk=share.pk).update(
        expires_at=timezone.now() + datetime.timedelta(hours=2)
    )
    with pytest.warns(RuntimeWarning):  # Django's own warning about the naive moment
        found = access._share(("document",), **values)
        expected = list(access._share_query(("document",), **values))
    assert [s.pk for s in found] == [s.pk for s in expected]


def test_a_marker_is_an_int_or_a_moment():
    with pytest.raises(TypeError):
        PreparedQuery(PortalAssignment, lambda *, name: PortalAssignment.objects.none(), name=str)


def test_insert_writes_the_row_save_would_and_sends_its_signals(portal_a, member, editor):
    from django.db.models.signals import post_save, pre_save

    from wagtail_clientportal.models import AccessEvent
    from wagtail_clientportal.prepared import insert

    share = services.share_items(editor, [portal_a], [DocumentFactory()]).created[0]
    heard = []

    def listen(signal):
        def receiver(sender, instance, **kwargs):
            heard.append((signal, instance.pk, kwargs.get("created")))

        return receiver

    before, after = listen("pre"), listen("post")
    pre_save.connect(before, sender=AccessEvent)
    post_save.connect(after, sender=AccessEvent)
    try:
        # The field prepares its value (an IPv6 address is stored compressed).
        values = dict(share=share, portal_user=member, user=member.user, action="download")
        values.update(ip_address="2001:0db8:0000::0001")
        mine, theirs = AccessEvent(**values), AccessEvent(**values)
        with CaptureQueriesContext(connection) as captured:
            insert(mine)
        theirs.save(force_insert=True)
    finally:
        pre_save.disconnect(before, sender=AccessEvent)
        post_save.disconnect(after, sender=AccessEvent)
    assert len(captured) == 1
    assert mine.pk and not mine._state.adding and mine._state.db == "default"
    assert heard == [("pre", None, None), ("post", mine.pk, True), *heard[2:]]
    stored = AccessEvent.objects.get(pk=mine.pk)
    expected = _fields(AccessEvent.objects.get(pk=theirs.pk))
    expected.update(id=mine.pk, at=mine.at)
    assert _fields(stored) == expected
    assert stored.ip_address == "2001:db8::1"
