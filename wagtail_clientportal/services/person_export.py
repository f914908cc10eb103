"""The RODO export of one person: everything the package holds about them, as a ZIP.

For the data-protection officer (ADO, ``manage_personal_data``) answering a person's
request under art. 15 RODO (GDPR). The person is the login behind a portal user, so
the export covers every membership of that login (one person may be a portal user of
several clients) and the records written about it, found by membership, by login and
by the copied email address (records of memberships deleted earlier carry only that).

Files: ``README.txt`` (Polish: what each file holds and what is never in it),
``memberships.csv``, ``shares.csv`` (what the person can see now), ``access.csv``,
``delivery.csv`` (the person's hash-chained delivery records), ``notifications.csv``
(what was sent when and its status), ``devices.csv`` (second factors: type, name,
dates), ``uploads.csv`` (files the person sent, one row per file), ``manifest.json``
with the SHA-256 of every other file. The CSV writer, the manifest and the streaming
are the audit ZIP's (``services.audit_export``).

Never in it: a password or its hash, a one-time code, a device's key or token, an
activation or reset link, a notification's context (which may hold a link), a
session. The columns are chosen here, field by field, never ``__dict__``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp import devices_for_user

from ..models import AccessEvent, DeliveryEvent, Notification, PortalUser, Share, Upload
from ..models.uploads import UploadedFile
from ..permissions import MANAGE_PERSONAL_DATA, require
from . import audit, audit_export
from .audit_export import (
    CHUNK_ROWS,
    DELIVERY_HEADER,
    NOTIFICATION_HEADER,
    SHARE_HEADER,
    csv_lines,
    delivery_row,
    notification_row,
    share_row,
    stream_zip,
    user_label,
)

FORMAT = "wagtail-clientportal RODO export 1"


@dataclass
class Person:
    """Who one export or erasure is about: the login, its memberships, its address."""

    login: object
    memberships: list
    email: str

    @classmethod
    def of(cls, portal_user: PortalUser) -> Person:
        login = portal_user.user
        memberships = list(
            PortalUser.objects.filter(user_id=login.pk)
            .select_related("client")
            .prefetch_related("portals")
            .order_by("pk")
        )
        return cls(login=login, memberships=memberships, email=portal_user.email)

    @property
    def membership_ids(self) -> list[int]:
        return [m.pk for m in self.memberships]

    def records(self, model, *, ref: str = "portal_user", email: str = "user_email"):
        """The rows of ``model`` about this person: by membership, login or copied email."""
        q = Q(**{f"{ref}__in": self.membership_ids}) | Q(user_id=self.login.pk)
        if self.email:
            q |= Q(**{f"{email}__iexact": self.email})
        return model._base_manager.filter(q)

    def access_events(self):
        return self.records(AccessEvent)

    def delivery_records(self):
        return self.records(DeliveryEvent, ref="portal_user_ref")

    def notifications(self):
        return self.records(Notification, email="recipient")

    def uploads(self):
        return self.records(Upload)


MEMBERSHIP_HEADER = [
    "portal_user_id",
    "client",
    "first_name",
    "last_name",
    "email",
    "portals",
    "invited_at",
    "activated_at",
    "blocked",
    "access_expires_on",
    "created_at",
    "last_login",
    "login_created_at",
]
# The audit ZIP's columns, with the portal and client: one person spans several.
AUDIT_ACCESS = audit_export.ACCESS_HEADER
ACCESS_HEADER = [*AUDIT_ACCESS[:2], "portal", "client", *AUDIT_ACCESS[2:]]
PERSON_DELIVERY_HEADER = ["portal_id", "portal", "client", *DELIVERY_HEADER]
DEVICE_HEADER = ["type", "name", "confirmed", "created_at", "last_used_at"]
UPLOAD_HEADER = [
    "upload_id",
    "at",
    "portal",
    "client",
    "note",
    "file_name",
    "size",
    "sha256",
    "scan",
    "ip_address",
]


def _membership_rows(person: Person) -> Iterator[list]:
    login = person.login
    for m in person.memberships:
        yield [
            m.pk,
            m.client.name,
            m.first_name,
            m.last_name,
            person.email,
            ", ".join(p.name for p in m.portals.all()),
            m.invited_at,
            m.activated_at,
            "tak" if m.is_blocked else "nie",
            m.access_expires_on,
            m.created_at,
            getattr(login, "last_login", None),
            getattr(login, "date_joined", None),
        ]


def _share_rows(person: Person) -> Iterator[list]:
    """What the person can see now: the active shares of the portals assigned to them
    through a usable membership (a blocked or expired one's items are not theirs to read)."""
    from .access import usable_memberships

    usable = set(
        PortalUser.objects.filter(
            usable_memberships(timezone.localdate()), pk__in=person.membership_ids
        ).values_list("pk", flat=True)
    )
    portals = {p.pk for m in person.memberships if m.pk in usable for p in m.portals.all()}
    shares = (
        Share.objects.active()
        .filter(portal_id__in=portals)
        .select_related(
            "document", "document_version", "invoice", "settlement", "shared_by", "revoked_by"
        )
        .order_by("shared_at", "pk")
    )
    for s in shares.iterator(chunk_size=CHUNK_ROWS):
        yield share_row(s)


def _access_rows(person: Person) -> Iterator[list]:
    for e in person.access_events().order_by("at", "pk").iterator(chunk_size=CHUNK_ROWS):
        yield [
            e.at,
            e.action,
            e.portal_name,
            e.client_name,
            e.share_id,
            e.user_email,
            e.user_name,
            e.item_kind,
            e.item_title,
            e.ip_address,
            e.user_agent,
        ]


def _delivery_rows(person: Person) -> Iterator[list]:
    records = person.delivery_records().order_by("chain_key", "seq")
    for r in records.iterator(chunk_size=CHUNK_ROWS):
        yield [r.chain_key, r.portal_name, r.client_name, *delivery_row(r)]


def _notification_rows(person: Person) -> Iterator[list]:
    rows = person.notifications().order_by("created_at", "pk").only(*NOTIFICATION_HEADER)
    for n in rows.iterator(chunk_size=CHUNK_ROWS):
        yield notification_row(n)


def _device_rows(person: Person) -> Iterator[list]:
    """Type, name and dates only: a device's key, token or backup codes never leave."""
    for device in devices_for_user(person.login, confirmed=None):
        yield [
            device._meta.verbose_name,
            device.name,
            "tak" if device.confirmed else "nie",
            getattr(device, "created_at", None),
            getattr(device, "last_used_at", None),
        ]


def _upload_rows(person: Person) -> Iterator[list]:
    files = (
        UploadedFile.objects.filter(upload__in=person.uploads())
        .select_related("upload")
        .order_by("upload__at", "pk")
    )
    for f in files.iterator(chunk_size=CHUNK_ROWS):
        u = f.upload
        yield [
            u.pk,
            u.at,
            u.portal_name,
            u.client_name,
            u.note,
            f.original_name,
            f.size,
            f.sha256,
            f.scan_status,
            u.ip_address,
        ]


README = """Eksport danych osobowych (art. 15 RODO)
========================================

Osoba: {name} <{email}>
Wygenerowano: {at}
Wygenerował(a): {by}

Archiwum zawiera wszystkie dane, które panel klienta kancelarii przechowuje
o tej osobie. Pliki CSV są zapisane w UTF-8 (z BOM), pola rozdziela średnik;
otwierają się bezpośrednio w programie Excel.

memberships.csv    konta w panelach klientów: klient, imię i nazwisko, adres
                   e-mail, przypisane panele, daty zaproszenia, aktywacji
                   i wygaśnięcia dostępu, blokada, ostatnie logowanie
shares.csv         dokumenty i faktury, które osoba może obecnie zobaczyć
access.csv         każde wyświetlenie i pobranie: data, pozycja, adres IP,
                   przeglądarka
delivery.csv       zapisy doręczeń (łańcuch skrótów SHA-256 danego panelu):
                   co, kiedy i w jakiej postaci zostało doręczone, w tym
                   potwierdzenia odbioru
notifications.csv  wiadomości e-mail wysłane do osoby: rodzaj, adres, status,
                   daty (bez treści i bez odnośników)
devices.csv        drugie składniki logowania: rodzaj, nazwa, daty
                   (bez kluczy i kodów)
uploads.csv        pliki przesłane przez osobę do kancelarii: nazwa, rozmiar,
                   SHA-256, data (bez samych plików)
manifest.json      spis plików z ich skrótami SHA-256

Archiwum nigdy nie zawiera: hasła ani jego skrótu, kodów jednorazowych,
kluczy i kodów urządzeń uwierzytelniających, odnośników aktywacyjnych ani
odnośników do zmiany hasła, treści wiadomości e-mail.

Zgodność pliku z archiwum można sprawdzić, porównując skrót SHA-256 pliku
z wartością w manifest.json (np. poleceniem: sha256sum access.csv).
"""


def _readme(person: Person, actor, now) -> Iterator[bytes]:
    names = {m.full_name for m in person.memberships} or {""}
    text = README.format(
        name=" / ".join(sorted(names)),
        email=person.email,
        at=timezone.localtime(now).isoformat(timespec="seconds"),
        by=user_label(actor),
    )
    yield text.replace("\n", "\r\n").encode()


def person_files(person: Person, actor, now) -> list:
    """``(name, line iterator)`` of each file, in the ZIP's order."""
    return [
        ("README.txt", _readme(person, actor, now)),
        ("memberships.csv", csv_lines(MEMBERSHIP_HEADER, _membership_rows(person))),
        ("shares.csv", csv_lines(SHARE_HEADER, _share_rows(person))),
        ("access.csv", csv_lines(ACCESS_HEADER, _access_rows(person))),
        ("delivery.csv", csv_lines(PERSON_DELIVERY_HEADER, _delivery_rows(person))),
        ("notifications.csv", csv_lines(NOTIFICATION_HEADER, _notification_rows(person))),
        ("devices.csv", csv_lines(DEVICE_HEADER, _device_rows(person))),
        ("uploads.csv", csv_lines(UPLOAD_HEADER, _upload_rows(person))),
    ]


def person_export_zip(actor, portal_user: PortalUser) -> Iterator[bytes]:
    """The ZIP's bytes, chunk by chunk. Checked and logged now; the rows are read as
    the stream is consumed (with ``iterator()``, so memory stays bounded)."""
    require(actor, MANAGE_PERSONAL_DATA)
    person = Person.of(portal_user)
    now = timezone.now()
    with transaction.atomic():
        audit.person_exported(actor, portal_user, person.membership_ids)
    manifest = {
        "format": FORMAT,
        "person": {
            "portal_user_ids": person.membership_ids,
            "clients": [{"id": m.client_id, "name": m.client.name} for m in person.memberships],
        },
        "generated_by": user_label(actor),
        "generated_at": now.isoformat(),
        "csv": {"encoding": "utf-8-sig", "delimiter": ";"},
    }
    return stream_zip(person_files(person, actor, now), manifest)
