"""Wagtail's documents listing: the "Udostępniono" column and filter, without N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.staff.document_listing import DocumentIndexView
from wagtail_clientportal.test_utils import staff_user

pytestmark = pytest.mark.django_db

URL = "wagtaildocs:index"


@pytest.fixture
def root(db):
    return staff_user("root", superuser=True)


def listed(response):
    return {d.pk for d in response.context["object_list"]}


def test_listing_is_ours_and_counts_portals(client, administrator, root, portal_a, portal_b):
    shared, pinned, plain = DocumentFactory.create_batch(3)
    services.share_items(administrator, [portal_a, portal_b], [shared])
    version = services.snapshot_document(administrator, pinned)
    services.share_items(administrator, [portal_b], [version])
    client.force_login(root)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert isinstance(response.context["view"], DocumentIndexView)
    counts = {d.pk: d.shared_portals for d in response.context["object_list"]}
    assert counts == {shared.pk: 2, pinned.pk: 1, plain.pk: 0}
    assert "Udostępniono" in response.text
    assert listed(client.get(reverse(URL), {"shared": "yes"})) == {shared.pk, pinned.pk}
    assert listed(client.get(reverse(URL), {"shared": "no"})) == {plain.pk}
    on_a = client.get(reverse(URL), {"shared_portal": portal_a.pk})
    assert listed(on_a) == {shared.pk}
    # The results fragment (Wagtail's live filtering) is ours too.
    results = client.get(reverse("wagtaildocs:index_results"), {"shared": "no"})
    assert listed(results) == {plain.pk}


def test_revoked_shares_do_not_count(client, administrator, root, portal_a):
    doc = DocumentFactory()
    [share] = services.share_items(administrator, [portal_a], [doc]).created
    services.revoke_shares(administrator, [share])
    client.force_login(root)
    response = client.get(reverse(URL), {"shared": "no"})
    assert listed(response) == {doc.pk}


def test_queries_do_not_grow_with_documents(client, administrator, root, portal_a):
    client.force_login(root)

    def queries_with(n):
        docs = DocumentFactory.create_batch(n)
        services.share_items(administrator, [portal_a], docs[: n // 2])
        client.get(reverse(URL))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(URL)).status_code == 200
        return len(ctx.captured_queries)

    small = queries_with(10)
    large = queries_with(990)  # 1,000 documents in all
    assert large == small
