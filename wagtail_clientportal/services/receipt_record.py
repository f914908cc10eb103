"""The receipt "Potwierdzenie doręczenia" of one share × portal user, as data.

Built from the delivery records only (their copied names survive deletions). The
JSON form carries a canonical digest (SHA-256 of the canonical JSON of everything
else), and the PDF prints the same record and that digest, so a printed receipt
can be matched to its machine-readable twin and both to the stored chain.
"""

from __future__ import annotations

import hashlib
import json
import zoneinfo

from .. import conf
from ..models import DeliveryEvent, PortalUser, Share
from .delivery import canonical_bytes

RECEIPT_TYPE = "wagtail-clientportal/delivery-receipt"
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


class NoRecord(Exception):
    """Nothing was shared or delivered to this person: no receipt to give."""


def _time(value) -> str | None:
    return value.astimezone(WARSAW).isoformat(timespec="seconds") if value else None


def _events(share_id: int, portal_user_id: int) -> list[DeliveryEvent]:
    return list(
        DeliveryEvent.objects.filter(share_ref=share_id, portal_user_ref=portal_user_id).order_by(
            "chain_key", "seq"
        )
    )


def build(share_id: int, portal_user_id: int) -> dict:
    """The receipt's data, with ``digest`` over the rest."""
    events = _events(share_id, portal_user_id)
    share = Share.objects.select_related("portal__client").filter(pk=share_id).first()
    portal_user = PortalUser.objects.select_related("user").filter(pk=portal_user_id).first()
    if not events and (share is None or portal_user is None):
        raise NoRecord
    if not events and not portal_user.portals.filter(pk=share.portal_id).exists():
        raise NoRecord
    from . import delivery

    if events:
        last = events[-1]
        names = {
            "client": last.client_name,
            "portal": last.portal_name,
            "portal_id": last.chain_key,
            "name": last.user_name,
            "email": last.user_email,
            "item_kind": last.item_kind,
            "item_id": last.item_id,
            "title": last.item_title,
            "file_name": last.file_name,
        }
    else:
        identity = delivery.item_identity(share)
        names = {
            "client": share.portal.client.name,
            "portal": share.portal.name,
            "portal_id": share.portal_id,
            "name": portal_user.full_name,
            "email": portal_user.email,
            "item_kind": identity["item_kind"],
            "item_id": identity["item_id"],
            "title": identity["item_title"],
            "file_name": identity["file_name"],
        }
    complete = [e for e in events if e.is_complete_download]
    confirmations = [e for e in events if e.kind == DeliveryEvent.Kind.CONFIRMATION]
    stamps = _timestamps(events)
    evidence = confirmations[0] if confirmations else (complete[0] if complete else None)
    stamp = stamps.get(evidence.pk) if evidence else None
    data = {
        "type": RECEIPT_TYPE,
        "version": 1,
        "firm": conf.firm_name(),
        "client": names["client"],
        "portal": {"id": names["portal_id"], "name": names["portal"]},
        "person": {
            "portal_user_id": portal_user_id,
            "name": names["name"],
            "email": names["email"],
        },
        "item": {
            "share_id": share_id,
            "kind": names["item_kind"],
            "id": names["item_id"],
            "title": names["title"],
            "file_name": names["file_name"],
            "size": evidence.file_size if evidence else None,
            "sha256": evidence.sha256 if evidence else None,
        },
        "shared_at": _time(share.shared_at) if share else None,
        "first_opened": _time(min((e.at for e in events), default=None)),
        "first_complete_download": _time(complete[0].finished_at) if complete else None,
        "receipt_confirmed": _time(confirmations[0].at) if confirmations else None,
        "ip_address": evidence.ip_address if evidence else None,
        # The RFC 3161 token of the record whose times are stated (or "none"), and
        # every token of these records, so the receipt can be checked without the firm.
        "timestamp": stamp["status"] if stamp else "none",
        "timestamps": [stamps[e.pk] for e in events if e.pk in stamps],
        "records": [
            {
                "portal_id": e.chain_key,
                "seq": e.seq,
                "record_hash": e.record_hash,
                "kind": e.kind,
                "status": e.status,
                "at": _time(e.at),
                "sha256": e.sha256,
                "bytes_sent": e.bytes_sent,
            }
            for e in events
        ],
    }
    data["digest"] = digest_of(data)
    return data


def _timestamps(events) -> dict:
    from ..models import DeliveryTimestamp
    from .timestamps import as_receipt_entry

    by_event = {e.pk: e for e in events}
    rows = DeliveryTimestamp.objects.filter(event__in=list(by_event))
    return {row.event_id: as_receipt_entry(by_event[row.event_id], row) for row in rows}


def digest_of(data: dict) -> str:
    body = {key: value for key, value in data.items() if key != "digest"}
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def to_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
