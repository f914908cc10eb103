"""Writes and pages at production scale, as ratios against a floor in the same run.

    .venv/bin/python bench/bench_scale.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_scale.py

1. ``delete_portal`` of a portal with 10,000 shares and 200 users (each with a login
   of their own and a notification) versus the floor: the same end state written by
   hand with plain set-based statements (``UPDATE`` the shares and notifications,
   ``DELETE`` assignments, people and logins). Queries counted too.
2. ``revoke_shares`` of 1,000 shares versus one ``UPDATE … WHERE id IN (…)``.
3. The portal's documents section (first page, last page, a search) with 100,000
   shares versus 25, through the real view and template.
4. The client card's "Panel klienta" tab of a client with 5,000 portals versus a
   client whose 50 fill its first page (and versus 10).
5. The staff listings with client and portal filters (all shares, invoices, portals,
   portal users, Wagtail's documents with the "Udostępniono" column) at 5,000 clients
   versus 10 (with five portals, people and invoices each, so pages are as full).
"""

import time

import _harness

_harness.setup()

import django  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

timed = _harness.timed


def main():
    with _harness.test_database():
        run()


def run():
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from wagtail import hooks as wagtail_hooks
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    from tests.conftest import otp_login
    from wagtail_clientportal import services
    from wagtail_clientportal.models import (
        Client,
        Notification,
        Portal,
        PortalAssignment,
        PortalUser,
        Share,
    )
    from wagtail_clientportal.portal import listing

    call_command("migrate", verbosity=0)
    wagtail_hooks.search_for_hooks()  # registers the snippets, as the admin's URLs do
    User = get_user_model()
    admin = User.objects.create_superuser("bench", "bench@example.com", "x")
    client = Client.objects.create(name="Bench")
    Document = get_document_model()
    root = Collection.get_first_root_node().pk
    has_search_text = any(f.name == "search_text" for f in Share._meta.get_fields())
    counter = iter(range(10**7))

    def documents(n):
        tag = next(counter)
        return Document.objects.bulk_create(
            [
                Document(title=f"Pismo {tag}-{i}", file=f"d/{tag}-{i}.pdf", collection_id=root)
                for i in range(n)
            ],
            batch_size=2000,
        )

    def portal_with(n_shares, n_users, owner=client):
        portal = Portal.objects.create(client=owner, name=f"Panel {next(counter)}")
        extra = {}
        shares = []
        for doc in documents(n_shares):
            if has_search_text:
                extra = {"search_text": doc.title.lower()}
            shares.append(Share(portal=portal, document=doc, shared_by=admin, **extra))
        Share.objects.bulk_create(shares, batch_size=2000)
        tag = next(counter)
        logins = User.objects.bulk_create(
            [User(username=f"u{tag}-{i}@k.pl", email=f"u{tag}-{i}@k.pl") for i in range(n_users)]
        )
        people = PortalUser.objects.bulk_create(
            [
                PortalUser(user=u, client=owner, first_name="A", last_name="B", activated_at=None)
                for u in logins
            ]
        )
        PortalAssignment.objects.bulk_create(
            [PortalAssignment(portal_user=p, portal=portal) for p in people]
        )
        Notification.objects.bulk_create(
            [
                Notification(kind="new_shares", recipient=u.email, user=u, portal_user=p)
                for u, p in zip(logins, people, strict=True)
            ]
        )
        return portal

    def floor_delete(portal):
        with transaction.atomic():
            people = list(PortalUser.objects.filter(portals=portal).values_list("pk", "user_id"))
            Share.objects.filter(portal=portal, revoked_at__isnull=True).update(
                revoked_by=admin, revoked_at=django.utils.timezone.now()
            )
            Share.objects.filter(portal=portal).update(portal=None, portal_name=portal.name)
            Notification.objects.filter(portal_user_id__in=[p for p, _ in people]).update(
                portal_user=None, user=None
            )
            PortalAssignment.objects.filter(portal=portal).delete()
            PortalUser.objects.filter(pk__in=[p for p, _ in people])._raw_delete("default")
            User.objects.filter(pk__in=[u for _, u in people])._raw_delete("default")
            Portal.objects.filter(pk=portal.pk)._raw_delete("default")

    def measure(fn, make):
        best, queries = float("inf"), 0
        for _ in range(2):
            target = make()
            _harness.analyze()  # fresh statistics after each seeding, as for the pages
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                fn(target)
                best = min(best, time.perf_counter() - start)
            queries = len(ctx.captured_queries)
        return best, queries

    vendor = connection.vendor
    staff_listings(vendor, admin, documents)
    print(f"{vendor}: delete_portal, 10,000 shares and 200 users")
    t_floor, q_floor = measure(floor_delete, lambda: portal_with(10_000, 200))
    t_svc, q_svc = measure(
        lambda p: services.delete_portal(admin, p), lambda: portal_with(10_000, 200)
    )
    print(f"  set-based floor         {t_floor * 1000:8.1f} ms  {q_floor:6d} queries")
    print(
        f"  services.delete_portal  {t_svc * 1000:8.1f} ms  {q_svc:6d} queries  "
        f"({t_svc / t_floor:.1f}x)"
    )

    print(f"{vendor}: revoke 1,000 shares")

    def revoke_floor(portal):
        with transaction.atomic():
            ids = list(Share.objects.filter(portal=portal).values_list("pk", flat=True))
            Share.objects.filter(pk__in=ids).update(
                revoked_by=admin, revoked_at=django.utils.timezone.now()
            )

    def revoke_svc(portal):
        services.revoke_shares(admin, list(Share.objects.filter(portal=portal)))

    t_floor, q_floor = measure(revoke_floor, lambda: portal_with(1_000, 0))
    t_svc, q_svc = measure(revoke_svc, lambda: portal_with(1_000, 0))
    print(f"  one UPDATE              {t_floor * 1000:8.1f} ms  {q_floor:6d} queries")
    print(
        f"  services.revoke_shares  {t_svc * 1000:8.1f} ms  {q_svc:6d} queries  "
        f"({t_svc / t_floor:.1f}x)"
    )

    print(f"{vendor}: portal documents, 100,000 shares vs 25")
    http = HttpClient()
    small, big = portal_with(25, 0), portal_with(100_000, 0)
    member = PortalUser.objects.create(
        user=User.objects.create(username="m@k.pl", email="m@k.pl"),
        client=client,
        first_name="M",
        last_name="K",
        activated_at=django.utils.timezone.now(),
    )
    member.portals.set([small, big])
    otp_login(http, member.user)
    _harness.analyze()
    keyset = hasattr(listing, "keyset_page")
    per_page = 25

    def last_query(portal):
        if keyset:
            return "page=last"
        count = Share.objects.filter(portal=portal).count()
        return f"page={-(-count // per_page)}"

    def get(portal, query):
        url = reverse("wagtail_clientportal:section", args=[portal.pk, "documents"])

        def fetch():
            response = http.get(f"{url}?{query}")
            assert response.status_code == 200, response.status_code

        return fetch

    full_page = timed(get(small, "q=pismo"), 5)  # all 25 match: a full page, as at 100,000
    for label, query in (
        ("first page", lambda p: ""),
        ("last page", last_query),
        ("search", lambda p: "q=pismo"),
        ("search, 1 %", lambda p: "q=-17"),  # 1,111 of 100,000 titles ("…-17", "…-170"…)
        ("search, rare", lambda p: "q=-54321"),  # one title in 100,000, none in 25
    ):
        t_small = timed(get(small, query(small)), 5)
        t_big = timed(get(big, query(big)), 5)
        # A word in 1 % of the titles fills a page at 100,000 shares but finds one of 25:
        # against the same search at 25 the ratio also counts 24 more rows rendered.
        also = f", {t_big / full_page:.1f} to a full page at 25" if "1 %" in label else ""
        print(
            f"  {label:13s} 25: {t_small * 1000:7.1f} ms   100,000: {t_big * 1000:7.1f} ms  "
            f"(ratio {t_big / t_small:.1f}{also})"
        )

    print(f"{vendor}: client card 'Panel klienta', 5,000 portals vs one full page (50) and 10")
    staff = HttpClient()
    staff.force_login(admin)
    sizes = {10: "Few", 50: "Page", 5_000: "Many"}
    owners = {n: Client.objects.create(name=name) for n, name in sizes.items()}
    for n, owner in owners.items():
        Portal.objects.bulk_create([Portal(client=owner, name=f"P {i:05d}") for i in range(n)])

    def card(owner):
        url = reverse("clientportal_portals:client", args=[owner.pk])
        return lambda: staff.get(url)

    # The card shows 50 portals a page: 10 portals render a fifth of the boxes, so the
    # page that 5,000 portals should cost no more than is a full one.
    t = {n: timed(card(owner), 5) for n, owner in owners.items()}
    print(
        f"  10 portals {t[10] * 1000:7.1f} ms   50 {t[50] * 1000:7.1f} ms   "
        f"5,000 portals {t[5_000] * 1000:7.1f} ms  (ratio {t[5_000] / t[50]:.1f} to a full "
        f"page, {t[5_000] / t[10]:.1f} to 10)"
    )


def staff_listings(vendor, admin, documents):
    """Section 5, run first: before the other sections add their own clients."""
    from django.urls import reverse

    from wagtail_clientportal.models import Client, Invoice, Portal, PortalUser, Share

    User = type(admin)
    staff = HttpClient()
    staff.force_login(admin)
    made = [0]
    pool = []

    def clients(n, per):
        """``n`` clients, each with ``per`` portals, people, invoices and 2 × ``per`` shares."""
        first = made[0]
        made[0] += n * per
        numbers = range(first, first + n * per)
        owners = Client.objects.bulk_create(
            [Client(name=f"Klient {i:05d} Sp. z o.o.") for i in range(first, first + n)]
        )
        each = [c for c in owners for _ in range(per)]
        portals = Portal.objects.bulk_create(
            [Portal(client=c, name=f"Zarząd {i}") for i, c in zip(numbers, each, strict=True)]
        )
        logins = User.objects.bulk_create(
            [User(username=f"k{i}@klient.pl", email=f"k{i}@klient.pl") for i in numbers]
        )
        PortalUser.objects.bulk_create(
            [
                PortalUser(user=u, client=c, first_name="Anna", last_name="Nowak")
                for u, c in zip(logins, each, strict=True)
            ]
        )
        Invoice.objects.bulk_create(
            [
                Invoice(
                    client=c,
                    number=f"FV/{i}",
                    issue_date="2026-11-02",
                    sale_date="2026-11-02",
                    due_date="2026-11-16",
                    net_amount=100,
                    vat_amount=23,
                    gross_amount=123,
                    pdf=f"i/{i}.pdf",
                )
                for i, c in zip(numbers, each, strict=True)
            ]
        )
        # The same 100 documents for every client: the documents listing then shows what
        # its "Udostępniono" column costs at 5,000 clients, not Wagtail's own sorting of
        # more documents.
        pool.extend(documents(100 - len(pool)))
        Share.objects.bulk_create(
            [
                Share(portal=p, document=d, shared_by=admin, search_text=d.title.lower())
                for n, p in enumerate(portals)
                for d in (pool[(2 * n) % 100], pool[(2 * n + 1) % 100])
            ],
            batch_size=2000,
        )

    pages = {
        "all shares": reverse("clientportal_shares:list"),
        "invoices": reverse("clientportal_invoices:list"),
        "portals": reverse("clientportal_portals:index"),
        "portal users": reverse("clientportal_portal_users:index"),
        "documents (Wagtail)": reverse("wagtaildocs:index"),
    }

    def each(url):
        def fetch():
            response = staff.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    # 10 clients with 5 of everything: every listing's first page is as full as it is at
    # 5,000 clients, so the ratio shows what the number of clients costs, not page filling.
    clients(10, per=5)
    _harness.analyze()
    few = {name: timed(each(url), 5) for name, url in pages.items()}
    clients(4_990, per=1)
    _harness.analyze()  # as autovacuum would after such growth (the portal section too)
    print(f"{vendor}: staff listings, 5,000 clients vs 10")
    for name, url in pages.items():
        many = timed(each(url), 5)
        print(
            f"  {name:20s} 10: {few[name] * 1000:7.1f} ms   5,000: {many * 1000:7.1f} ms  "
            f"(ratio {many / few[name]:.2f})"
        )


if __name__ == "__main__":
    main()
