"""RFC 3161 trusted timestamps of delivery records (optional: ``WAGTAILCLIENTPORTAL_TSA_URL``).

Which records: every receipt confirmation and the first complete download (or
in-place view) of each share by each person: the two moments a receipt states.
What is stamped: the record's hash, i.e. SHA-256 of its canonical JSON
(``delivery.canonical_bytes``), so the token binds the person, the item, the
SHA-256 of the bytes sent and the server's times; changing any of them later
makes the token fail to verify.

How: a ``DeliveryTimestamp`` row is written in the record's own transaction, and
a task is enqueued when it commits (the request never waits for a TSA). A failed
attempt is retried with the outbox's backoff, until ``TSA_MAX_ATTEMPTS``; the
``clientportal_timestamps`` command picks up what is due (cron, or a backend
that cannot defer). A token, once stored, is never overwritten.
"""

from __future__ import annotations

import base64
import datetime
import logging
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .. import conf
from ..compat import make_task, task_backends
from ..models import DeliveryEvent, DeliveryTimestamp
from ..timestamping import TSAError, check_granted

logger = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(conf.tsa_url())


def wanted(event: DeliveryEvent) -> bool:
    """A confirmation, or the first complete download of this share by this person."""
    if event.kind == DeliveryEvent.Kind.CONFIRMATION:
        return True
    if not event.is_complete_download:
        return False
    earlier = DeliveryEvent.objects.filter(
        share_ref=event.share_ref,
        portal_user_ref=event.portal_user_ref,
        status=DeliveryEvent.Status.COMPLETE,
        seq__lt=event.seq,
        chain_key=event.chain_key,
    ).exclude(kind=DeliveryEvent.Kind.CONFIRMATION)
    return not earlier.exists()


def schedule(event: DeliveryEvent) -> DeliveryTimestamp | None:
    """Inside the record's transaction: a pending row, and a task once it commits."""
    if not enabled() or not wanted(event):
        return None
    row = DeliveryTimestamp.objects.create(event=event, record_hash=event.record_hash)
    transaction.on_commit(lambda: _enqueue([row.pk]), robust=True)
    return row


def _enqueue(ids: list[int], run_after=None) -> None:
    task = obtain_timestamps.using(backend=conf.task_backend())
    if run_after is not None:
        task = task.using(run_after=run_after)
    try:
        task.enqueue(list(ids))
    except Exception:
        # The rows stay pending: the command (or the next retry) obtains them.
        logger.exception("Could not enqueue timestamps %s", ids[:20])


def retry_delay(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=conf.notify_retry_delay() * 2 ** max(0, attempts - 1))


def _record_bytes(event: DeliveryEvent) -> bytes:
    from .delivery import canonical_bytes, canonical_fields

    return canonical_bytes(canonical_fields(event))


def obtain(ids: list[int] | None = None) -> dict:
    """Ask the TSA for every due pending timestamp (of ``ids``, or all). Safe to run twice."""
    now = timezone.now()
    rows = DeliveryTimestamp.objects.filter(
        status=DeliveryTimestamp.Status.PENDING, next_attempt_at__lte=now
    ).select_related("event")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    report = {"granted": 0, "retrying": 0, "failed": 0}
    retry_at = []
    client = import_string(conf.tsa_client())() if rows.exists() else None
    for row in rows:
        try:
            answer = client.timestamp(_record_bytes(row.event))
            fields = _check(answer, row.record_hash)
        except Exception as exc:  # a TSA down, a bad answer, a broken client: retry
            attempts = row.attempts + 1
            failed = attempts >= conf.tsa_max_attempts()
            next_at = now + retry_delay(attempts)
            DeliveryTimestamp.objects.filter(pk=row.pk).update(
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                status=DeliveryTimestamp.Status.FAILED if failed else row.status,
                next_attempt_at=next_at,
            )
            report["failed" if failed else "retrying"] += 1
            if not failed:
                retry_at.append(next_at)
            continue
        # Written once: the update touches the row only while it has no token.
        DeliveryTimestamp.objects.filter(pk=row.pk).update(
            attempts=row.attempts + 1,
            status=DeliveryTimestamp.Status.GRANTED,
            token=answer,
            last_error="",
            **fields,
        )
        report["granted"] += 1
    if retry_at:
        if task_backends[conf.task_backend()].supports_defer:
            _enqueue(
                list(
                    DeliveryTimestamp.objects.filter(
                        status=DeliveryTimestamp.Status.PENDING
                    ).values_list("pk", flat=True)
                ),
                run_after=min(retry_at),
            )
    return report


def _check(answer: bytes, record_hash: str) -> dict:
    """The answer must be a granted token over this record's hash (and verify, if we can)."""
    from rfc3161_client import decode_timestamp_response

    response = decode_timestamp_response(answer)
    check_granted(response)
    if response.tst_info.message_imprint.message != bytes.fromhex(record_hash):
        raise TSAError("the token is over another digest")
    result = verify_token(answer, record_hash)
    if result.valid is False:
        raise TSAError(result.detail)
    info = response.tst_info
    return {
        "gen_time": info.gen_time.replace(tzinfo=info.gen_time.tzinfo or datetime.timezone.utc),
        "serial": format(info.serial_number, "x")[:64],
        "tsa_name": _tsa_name(response)[:255],
    }


def _tsa_name(response) -> str:
    from cryptography import x509

    for der in response.signed_data.certificates:
        cert = x509.load_der_x509_certificate(der)
        signer = next(iter(response.signed_data.signer_infos))
        if cert.serial_number == signer.serial_number:
            return cert.subject.rfc4514_string()
    return ""


# --- verification ---------------------------------------------------------------------


@dataclass
class TokenCheck:
    valid: bool | None  # None: cannot be checked (no CA certificates configured)
    detail: str = ""


def _trust() -> tuple[list, list]:
    """(roots, intermediates) from ``TSA_CERTIFICATES``: self-issued ones are roots."""
    from cryptography import x509

    path = conf.tsa_certificates()
    if not path:
        return [], []
    certs = x509.load_pem_x509_certificates(Path(path).read_bytes())
    roots = [c for c in certs if c.issuer == c.subject]
    return roots, [c for c in certs if c.issuer != c.subject]


def verify_token(answer: bytes, record_hash: str) -> TokenCheck:
    """Does ``answer`` carry a valid token, from a trusted TSA, over ``record_hash``?"""
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        roots, intermediates = _trust()
    except (OSError, ValueError) as exc:
        return TokenCheck(None, f"TSA certificates unreadable: {exc}")
    if not roots:
        return TokenCheck(None, "no TSA certificates configured")
    try:
        response = decode_timestamp_response(bytes(answer))
        builder = VerifierBuilder(roots=roots, intermediates=intermediates)
        builder.build().verify(response, bytes.fromhex(record_hash))
    except (VerificationError, ValueError) as exc:
        return TokenCheck(False, f"token does not verify: {exc}")
    return TokenCheck(True)


def check_event(event: DeliveryEvent, timestamp: DeliveryTimestamp) -> TokenCheck:
    """The stored token against the record as it is stored now (recomputed hash)."""
    from .delivery import record_hash

    if timestamp.status != DeliveryTimestamp.Status.GRANTED or timestamp.token is None:
        return TokenCheck(None, timestamp.status)
    return verify_token(timestamp.token, record_hash(event))


def as_receipt_entry(event: DeliveryEvent, timestamp: DeliveryTimestamp) -> dict:
    from .receipt_record import _time

    return {
        "portal_id": event.chain_key,
        "seq": event.seq,
        "status": timestamp.status,
        "time": _time(timestamp.gen_time),
        "serial": timestamp.serial or None,
        "tsa": timestamp.tsa_name or None,
        "token": base64.b64encode(bytes(timestamp.token)).decode() if timestamp.token else None,
    }


def obtain_timestamps(ids: list[int] | None = None) -> dict:
    """The task: obtain the given (or all due) timestamps."""
    return obtain(ids)


# Same name as the function: workers find the task by its import path.
obtain_timestamps = make_task(obtain_timestamps, backend=conf.task_backend())  # type: ignore[assignment]
