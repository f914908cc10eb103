"""Data of the reference stack: a firm's staff member, one client, its portals and people."""

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from wagtail_clientportal import services
from wagtail_clientportal.models import Client, Portal, PortalUser

PASSWORD = "Stos-referencyjny-2026!"
SMALL = 20 * 1024


def document_bytes(n: int, size: int = SMALL) -> bytes:
    head = f"%PDF-1.4 dokument {n}\n".encode()
    return head + bytes((i * 7 + n) % 256 for i in range(size - len(head)))


def people(client, portal, count, start=0):
    User = get_user_model()
    made = []
    for i in range(start, start + count):
        email = f"klient{i}@example.com"
        user = User.objects.create_user(username=email, email=email, password=PASSWORD)
        member = PortalUser.objects.create(
            user=user,
            client=client,
            first_name="Anna",
            last_name=f"Klient{i}",
            invited_at=timezone.now(),
            activated_at=timezone.now(),
        )
        member.portals.set([portal])
        made.append(email)
    return made


def login_collection():
    """A collection whose documents Wagtail serves to logged-in people only."""
    from wagtail.models import Collection, CollectionViewRestriction

    collection = Collection.get_first_root_node().add_child(name="Tylko po zalogowaniu")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    return collection


def seed(
    users=1, documents=5, large=0, large_size=20 * 1024 * 1024, public=0, private=0, matters=0
):
    """Everyone is on the portal "Dokumenty"; ``documents`` small files shared onto it;
    ``large`` files of ``large_size`` shared too (the offload's bytes/s); ``public``
    small documents never shared, which Wagtail's own serve view may send to anyone (the
    load test's Wagtail baseline);
    ``private`` small documents never shared, in a collection that Wagtail shows only to
    logged-in people (its own way to keep a file private: the like-for-like baseline).

    ``matters`` more portals ("Sprawa 0", …) of the same client, with the small files
    shared onto each too; person *i* is also on matter *i* mod ``matters``. A delivery
    locks its portal's row (the delivery chain), so 50 people downloading from one
    portal queue on one lock: the worst case. Spread over the matters, as a firm's
    clients would be, the same people contend as in real use ("seats": per person,
    the matter's portal and its shares)."""
    User = get_user_model()
    staff = User.objects.create_superuser(
        "kancelaria@example.com", "kancelaria@example.com", PASSWORD
    )
    client = Client.objects.create(name="Alfa Sp. z o.o.")
    portal = Portal.objects.create(client=client, name="Dokumenty")
    emails = people(client, portal, users)
    spread = [Portal.objects.create(client=client, name=f"Sprawa {k}") for k in range(matters)]
    # Person i's matter; people() made them in this order.
    seat_of = [spread[i % matters] for i in range(len(emails))] if spread else []
    members = PortalUser.objects.filter(client=client).order_by("pk") if spread else []
    for member, matter in zip(members, seat_of, strict=True):
        member.portals.add(matter)
    Document = get_document_model()
    docs = [
        Document.objects.create(
            title=f"Pismo {n}", file=ContentFile(document_bytes(n), name=f"pismo-{n}.pdf")
        )
        for n in range(documents)
    ]
    big = [
        Document.objects.create(
            title=f"Akta {n}",
            file=ContentFile(document_bytes(n, large_size), name=f"akta-{n}.pdf"),
        )
        for n in range(large)
    ]
    open_docs = [
        Document.objects.create(
            title=f"Regulamin {n}", file=ContentFile(document_bytes(n), name=f"regulamin-{n}.pdf")
        )
        for n in range(public)
    ]
    restricted = login_collection() if private else None
    closed_docs = [
        Document.objects.create(
            title=f"Umowa {n}",
            file=ContentFile(document_bytes(n), name=f"umowa-{n}.pdf"),
            collection=restricted,
        )
        for n in range(private)
    ]
    shares = services.share_items(staff, [portal], docs).created
    on_matter = {p.pk: [] for p in spread}
    if spread:
        for share in services.share_items(staff, spread, docs).created:
            on_matter[share.portal_id].append(share.pk)
    large_shares = services.share_items(staff, [portal], big).created if big else []
    return {
        "large_shares": [s.pk for s in large_shares],
        "large_files": [d.file.name for d in big],
        "public": [d.url for d in open_docs],
        "private": [d.url for d in closed_docs],
        "email": emails[0],
        "emails": emails,
        "password": PASSWORD,
        "portal": portal.pk,
        "shares": [s.pk for s in shares],
        "files": [d.file.name for d in docs],
        "seats": [{"portal": m.pk, "shares": on_matter[m.pk]} for m in seat_of],
    }
