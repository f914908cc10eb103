"""Checking a receipt JSON against the stored records: what matches and what does not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import share_kinds
from ..models import Share
from . import receipt_record
from .delivery import verify_chain


@dataclass
class Verification:
    # Each check: True (holds), False (fails) or None (cannot be checked).
    receipt_intact: bool | None = None
    matches_records: bool | None = None
    file_matches: bool | None = None
    chain_intact: bool | None = None
    # The RFC 3161 tokens of the receipt's records: True all verify, False one does not,
    # None none to check (timestamps off, still pending, or no TSA certificates).
    timestamps_valid: bool | None = None
    timestamps: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        checks = (self.receipt_intact, self.matches_records, self.chain_intact)
        return all(checks) and False not in (self.file_matches, self.timestamps_valid)


def verify_receipt(raw: bytes | str) -> Verification:
    result = Verification()
    try:
        data = json.loads(raw)
        share_id = int(data["item"]["share_id"])
        portal_user_id = int(data["person"]["portal_user_id"])
    except (ValueError, TypeError, KeyError):
        result.problems.append("not a receipt")
        result.receipt_intact = False
        return result
    result.receipt_intact = receipt_record.digest_of(data) == data.get("digest")
    if not result.receipt_intact:
        result.problems.append("the receipt was changed after it was issued")
    stored = {
        (r["portal_id"], r["seq"], r["record_hash"])
        for r in _stored_records(share_id, portal_user_id)
    }
    given = {
        (r.get("portal_id"), r.get("seq"), r.get("record_hash")) for r in data.get("records", [])
    }
    result.matches_records = bool(given) and given <= stored
    if not result.matches_records:
        result.problems.append("the receipt's records are not in the stored chain")
    chains = {key for key, _seq, _hash in given} or {data.get("portal", {}).get("id")}
    reports = [verify_chain(int(key)) for key in chains if key is not None]
    result.chain_intact = bool(reports) and all(r.intact for r in reports)
    for report in reports:
        result.problems.extend(report.problems)
    _check_timestamps(result, data, stored_keys={(k, q) for k, q, _h in stored})
    result.file_matches = _file_matches(share_id, data["item"].get("sha256"))
    if result.file_matches is False:
        result.problems.append("the file served now has another SHA-256")
    return result


def _check_timestamps(result: Verification, data: dict, stored_keys: set) -> None:
    """Each stored token against its record as stored now; each token in the receipt too."""
    import base64

    from ..models import DeliveryTimestamp
    from .timestamps import check_event, verify_token

    outcomes = []
    chains = {key for key, _seq in stored_keys}
    rows = DeliveryTimestamp.objects.select_related("event").filter(event__chain_key__in=chains)
    for row in rows:
        event = row.event
        if (event.chain_key, event.seq) not in stored_keys:
            continue
        check = check_event(event, row)
        outcomes.append(check.valid)
        result.timestamps.append(
            {
                "seq": event.seq,
                "status": row.status,
                "label": str(DeliveryTimestamp.Status(row.status).label),
                "valid": check.valid,
                "detail": check.detail,
            }
        )
        if check.valid is False:
            result.problems.append(f"#{event.seq}: stored timestamp: {check.detail}")
    records = data.get("records") or []
    hashes = {(r.get("portal_id"), r.get("seq")): r.get("record_hash") for r in records}
    for entry in data.get("timestamps") or []:
        record = hashes.get((entry.get("portal_id"), entry.get("seq")))
        if not entry.get("token") or not record:
            continue
        try:
            check = verify_token(base64.b64decode(entry["token"]), record)
        except (ValueError, TypeError):
            check = None
        if check is None or check.valid is False:
            outcomes.append(False)
            result.problems.append(f"#{entry.get('seq')}: the receipt's timestamp does not verify")
        else:
            outcomes.append(check.valid)
    if False in outcomes:
        result.timestamps_valid = False
    elif True in outcomes:
        result.timestamps_valid = True


def _stored_records(share_id, portal_user_id):
    try:
        return receipt_record.build(share_id, portal_user_id)["records"]
    except receipt_record.NoRecord:
        return []


def _file_matches(share_id: int, sha256: str | None) -> bool | None:
    """Does the item's file still hash to the receipt's SHA-256? None if gone or unknown."""
    from .receipts import file_sha256

    share = Share.objects.select_related(*share_kinds.RELATED).filter(pk=share_id).first()
    if share is None or not sha256:
        return None
    try:
        return file_sha256(share)[0] == sha256
    except OSError:
        return None
