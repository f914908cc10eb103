"""Delivery records: written at the end of each portal stream, chained per portal.

The hash of a stream is known only when its last byte has gone, so the portal's
download view hands a ``DeliveryTracker`` to the stream; the tracker writes one
``DeliveryEvent`` when the stream ends (complete) or is closed early (aborted),
in its own short transaction, never holding one open while bytes are sent.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from functools import cache, partial

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .. import hooks, prepared, share_kinds
from ..models import DeliveryEvent, Portal
from ..models.delivery import GENESIS
from . import timestamps
from .access import client_ip, record_access
from .stream_hash import StreamHash

logger = logging.getLogger(__name__)
_IP_FIELD = DeliveryEvent._meta.get_field("ip_address")

#: The fields of a record that its hash covers, in this order. Copies only: a link
#: set to NULL by a deletion never changes a record's hash.
HASHED_FIELDS = (
    "chain_key",
    "seq",
    "prev_hash",
    "kind",
    "status",
    "at",
    "finished_at",
    "share_ref",
    "portal_user_ref",
    "user_email",
    "user_name",
    "client_name",
    "portal_name",
    "item_kind",
    "item_id",
    "item_title",
    "file_name",
    "stored_sha256",
    "file_size",
    "range_start",
    "range_end",
    "bytes_sent",
    "sha256",
    "ip_address",
    "user_agent",
)


def _value(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat(timespec="microseconds")
    return value


#: The person's data on a record. Since 0015 the hash covers them only through
#: ``person_digest`` (a salted SHA-256 of the four), so an erasure can replace them and
#: forget the salt while every hash, link and timestamp token stays valid.
PERSONAL_FIELDS = ("user_email", "user_name", "ip_address", "user_agent")


def person_digest(salt: str, values: dict) -> str:
    """SHA-256 of the salt and the person's four values: without the salt, the digest
    of a pseudonymised record cannot be matched against a guessed email."""
    data = {"salt": salt, **{name: values.get(name) for name in PERSONAL_FIELDS}}
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def person_values(event: DeliveryEvent) -> dict:
    return {name: _value(getattr(event, name)) for name in PERSONAL_FIELDS}


def canonical_fields(event: DeliveryEvent) -> dict:
    if not event.person_digest:  # written before 0015: the values themselves
        return {name: _value(getattr(event, name)) for name in HASHED_FIELDS}
    fields = {
        name: _value(getattr(event, name)) for name in HASHED_FIELDS if name not in PERSONAL_FIELDS
    }
    fields["person_digest"] = event.person_digest
    return fields


def canonical_bytes(data: dict) -> bytes:
    """JSON with sorted keys, no spaces, UTF-8: one byte string per record, everywhere."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(event: DeliveryEvent) -> str:
    return hashlib.sha256(canonical_bytes(canonical_fields(event))).hexdigest()


def item_identity(share) -> dict:
    """What was delivered, copied: kind, id, title, file name, a version's stored hash."""
    from ..portal import listing

    target = share.target
    kind = share.kind
    return {
        "item_kind": kind,
        "item_id": target.pk,
        "item_title": str(getattr(target, "title", None) or target)[:255],
        "file_name": listing.file_name_of(share)[:255],
        "stored_sha256": share_kinds.get(kind).stored_sha256(target) or "",
    }


def _append(share, portal_user, *, also=None, **fields) -> DeliveryEvent:
    """Write one chained record in its own transaction; the portal row serialises writers.

    ``also()``, if given, runs first inside the same transaction (an offloaded
    download's access event: one commit for both, rolled back and redone together)."""
    portal = share.portal
    base = dict(
        share=share,
        portal_id=portal.pk,
        portal_user=portal_user,
        user_id=portal_user.user_id,
        share_ref=share.pk,
        portal_user_ref=portal_user.pk,
        user_email=portal_user.email[:254],
        user_name=portal_user.full_name[:301],
        client_name=portal.client.name[:255],
        portal_name=portal.name[:120],
        chain_key=portal.pk,
        **item_identity(share),
        **fields,
    )
    for attempt in range(3):
        try:
            with transaction.atomic():
                if also is not None:
                    also()
                seq, prev_hash = _chain_head(portal.pk)
                event = DeliveryEvent(seq=seq + 1, prev_hash=prev_hash, **base)
                # As the database will store it (IPv6 compressed): the hash must match later.
                event.ip_address = _IP_FIELD.get_prep_value(event.ip_address)
                event.person_salt = secrets.token_hex(16)
                event.person_digest = person_digest(event.person_salt, person_values(event))
                event.record_hash = record_hash(event)
                prepared.insert(event)
                timestamps.schedule(event)  # optional; a task asks the TSA after commit
                transaction.on_commit(partial(_after_commit, event), robust=True)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    return event


def _chain_head(portal_pk: int) -> tuple[int, str]:
    """Number and hash of the newest record of a portal's chain (``0, GENESIS`` if none).

    Where rows can be locked, writers of one chain queue on the portal row first; the
    unique (chain, seq) constraint and ``_append``'s retry cover the rest (backends
    without locks, a portal deleted meanwhile). Two statements on purpose: under READ
    COMMITTED a statement reads from the snapshot taken when it started, so a head
    read in the locking statement itself would miss the record committed by the
    writer it waited for, and every waiting writer would collide on (chain, seq)
    (tests/test_delivery_concurrency.py).
    """
    lock, head = _chain_sql(connection.vendor)
    with connection.cursor() as cursor:
        if connection.features.has_select_for_update:
            # The portal's row only (the model's default ordering would join the client,
            # whose row would be locked too).
            cursor.execute(lock, [portal_pk])
            cursor.fetchall()
        cursor.execute(head, [portal_pk])
        last = cursor.fetchone()
    return (last[0], last[1]) if last else (0, GENESIS)


@cache
def _chain_sql(vendor: str) -> tuple[str, str]:
    """The two statements of ``_chain_head``, written out once per backend: they run on
    every delivery, and building them through the ORM cost more CPU than running them."""
    quote = connection.ops.quote_name
    portal = quote(Portal._meta.db_table)
    events = quote(DeliveryEvent._meta.db_table)
    pk, seq, key = quote(Portal._meta.pk.column), quote("seq"), quote("chain_key")
    return (
        f"SELECT {pk} FROM {portal} WHERE {pk} = %s FOR UPDATE",
        f"SELECT {seq}, {quote('record_hash')} FROM {events} WHERE {key} = %s "
        f"ORDER BY {seq} DESC LIMIT 1",
    )


def _after_commit(event: DeliveryEvent) -> None:
    hooks.run(hooks.AFTER_DELIVERY, event=event)


@dataclass
class DeliveryTracker:
    """Hashes the bytes of one response as they go and records them when it ends.

    ``finish(aborted=...)`` is idempotent: the stream calls it on its last chunk and
    again from ``close()`` (the server closes every response, also a broken one).
    """

    share: object
    portal_user: object
    kind: str
    file_size: int
    start: int
    length: int
    ranged: bool
    ip_address: str | None = None
    user_agent: str = ""
    at: datetime.datetime = field(default_factory=timezone.now)
    bytes_sent: int = 0
    _hash: StreamHash = field(default_factory=StreamHash)
    event: DeliveryEvent | None = None
    _done: bool = False

    @classmethod
    def for_request(cls, request, share, portal_user, **kwargs):
        return cls(
            share=share,
            portal_user=portal_user,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
            **kwargs,
        )

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        self.bytes_sent += len(data)

    def finish(self) -> DeliveryEvent | None:
        if self._done:
            return self.event
        self._done = True
        if self.bytes_sent < self.length:
            status = DeliveryEvent.Status.ABORTED
        elif self.ranged:
            status = DeliveryEvent.Status.PARTIAL
        else:
            status = DeliveryEvent.Status.COMPLETE
        try:
            self.event = _append(
                self.share,
                self.portal_user,
                kind=self.kind,
                status=status,
                at=self.at,
                finished_at=timezone.now(),
                file_size=self.file_size,
                range_start=self.start if self.ranged else None,
                range_end=(self.start + self.length - 1) if self.ranged else None,
                bytes_sent=self.bytes_sent,
                sha256=self._hash.hexdigest(),
                ip_address=self.ip_address,
                user_agent=self.user_agent,
            )
        except Exception:
            # The bytes are gone already; failing the response would not unsend them.
            logger.exception("Could not record the delivery of share %s", self.share.pk)
        return self.event


def record_confirmation(share, portal_user, sha256: str, size: int, request) -> DeliveryEvent:
    """A receipt confirmation is a record of its own in the portal's chain."""
    now = timezone.now()
    return _append(
        share,
        portal_user,
        kind=DeliveryEvent.Kind.CONFIRMATION,
        status=DeliveryEvent.Status.CONFIRMED,
        at=now,
        finished_at=now,
        file_size=size,
        bytes_sent=0,
        sha256=sha256,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
    )


@dataclass
class ChainReport:
    portal_id: int
    records: int = 0
    problems: list[str] = field(default_factory=list)
    # Records whose person was erased (RODO): hash and links verified, the person's
    # values replaced by a pseudonym. ``legacy_pseudonymised``: such records written
    # before 0015, whose own content can no longer be recomputed (links still checked).
    pseudonymised: int = 0
    legacy_pseudonymised: list[int] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(portal_id: int) -> ChainReport:
    """Recompute every hash of one portal's chain and check the links and the numbering.

    A row deleted in the middle breaks the numbering and the link; an altered row
    no longer matches its own hash. (Removing the newest rows leaves a shorter valid
    chain: the receipts given out, which list record hashes, are the anchor for those.)
    """
    report = ChainReport(portal_id)
    expected_prev, expected_seq = GENESIS, 1
    for event in DeliveryEvent.objects.filter(chain_key=portal_id).order_by("seq").iterator():
        report.records += 1
        if event.seq != expected_seq:
            report.problems.append(f"missing records before #{event.seq}")
        if event.prev_hash != expected_prev:
            report.problems.append(f"#{event.seq}: link to the previous record broken")
        if event.pseudonymised_at is not None:
            report.pseudonymised += 1
        if event.pseudonymised_at is not None and not event.person_digest:
            report.legacy_pseudonymised.append(event.seq)
        elif record_hash(event) != event.record_hash:
            report.problems.append(f"#{event.seq}: contents altered")
        elif (
            event.person_digest
            and event.pseudonymised_at is None
            and person_digest(event.person_salt, person_values(event)) != event.person_digest
        ):
            report.problems.append(f"#{event.seq}: the person's data altered")
        expected_prev, expected_seq = event.record_hash, event.seq + 1
    return report


def record_handoff(
    request, share, portal_user, *, kind, status, file_size, sha256, wanted, access_action=None
):
    """An offloaded download: checked here, then handed to the web server or turned into
    a signed URL. No bytes are seen here, so ``bytes_sent`` is 0 and ``sha256`` is the
    stored file's; ``status`` says which method. Written before the response leaves:
    if it cannot be written, nothing is handed off. With ``access_action`` the access
    event (``record_access``) is written in the same transaction."""
    also = None
    if access_action:
        also = partial(record_access, portal_user, share, access_action, request)
    now = timezone.now()
    return _append(
        share,
        portal_user,
        also=also,
        kind=kind,
        status=status,
        at=now,
        finished_at=now,
        file_size=file_size,
        range_start=wanted[0] if wanted else None,
        range_end=wanted[1] if wanted else None,
        bytes_sent=0,
        sha256=sha256,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
    )
