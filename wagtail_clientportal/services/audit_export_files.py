"""The delivered files in an audit ZIP (only when asked: ``?files=1``, off by default).

Under ``files/<kind>-<item id>/<file name>``, each distinct stored file once, read
from storage in chunks while the ZIP is written (never whole in memory): a pinned
version is its frozen copy, found once per stored SHA-256 (a second version with the
same hash is listed with ``same_as``); a live document, an invoice and a settlement
are their file **as it is now**, which may differ from what was delivered when it was
replaced since. So the manifest lists, for each file, the SHA-256 of the bytes put in
the ZIP beside the SHA-256 the delivery records state for that item (complete
downloads, hand-offs to the web server, signed links, confirmations) and
``matches_delivery``: ``false`` flags a file that is not what was delivered, ``null``
an item never delivered in full. A file missing from storage is listed with
``missing: true`` instead of breaking the ZIP.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator

from django.db.models import Q
from django.utils.translation import gettext as _

from .. import filenames, share_kinds
from ..models import DeliveryEvent, Share

CHUNK = 1024 * 1024
#: Statuses whose record states the SHA-256 of the whole file (not of a range).
WHOLE_FILE = (
    DeliveryEvent.Status.COMPLETE,
    DeliveryEvent.Status.CONFIRMED,
    DeliveryEvent.Status.HANDED_OFF,
    DeliveryEvent.Status.SIGNED_URL,
)


@dataclasses.dataclass
class FilesNote:
    entries: list = dataclasses.field(default_factory=list)

    def manifest(self) -> dict:
        return {
            "note": _(
                "A live document, an invoice or a settlement is included as it is now, "
                "which may differ from what was delivered: compare sha256 with "
                "delivered_sha256 (matches_delivery false: it differs)."
            ),
            "entries": self.entries,
        }


def _scope_shares(scopes) -> Q:
    condition = Q(pk__in=[])
    for scope in scopes:
        condition |= scope.shares
    return condition


def file_bytes(scopes) -> int:
    """About how many bytes the files would add (sizes known without reading them)."""
    total = 0
    for _key, share, _first in _distinct(scopes):
        size = share_kinds.of_share(share).size(share.target)
        if size is None:
            try:
                size = share_kinds.of_share(share).file(share.target).size
            except (OSError, ValueError):
                size = 0
        total += size or 0
    return total


def _distinct(scopes) -> Iterator[tuple[tuple, Share, bool]]:
    """``(key, share, first time)`` per item shared in the scopes, in share order."""
    shares = (
        Share.objects.filter(_scope_shares(scopes))
        .select_related(*share_kinds.RELATED)
        .order_by("pk")
    )
    items, hashes = set(), set()
    for share in shares.iterator(chunk_size=500):
        item = (share.kind, getattr(share, f"{share.kind}_id"))
        if item in items:
            continue
        items.add(item)
        stored = share_kinds.of_share(share).stored_sha256(share.target)
        if stored:
            first = stored not in hashes
            hashes.add(stored)
            yield ("sha256", stored), share, first
        else:
            yield item, share, True


def _path(kind: str, item_id: int, share) -> str:
    return f"files/{kind}-{item_id}/{filenames.download_name(share.target)}"


def _delivered(scopes, kind: str, item_id: int) -> list[str]:
    condition = Q(pk__in=[])
    for scope in scopes:
        condition |= scope.delivery()
    records = DeliveryEvent.objects.filter(
        condition, item_kind=kind, item_id=item_id, status__in=WHOLE_FILE
    )
    return sorted(set(records.values_list("sha256", flat=True)))


def _chunks(handle, entry: dict) -> Iterator[bytes]:
    digest, size = hashlib.sha256(), 0
    try:
        while data := handle.read(CHUNK):
            digest.update(data)
            size += len(data)
            yield data
    finally:
        handle.close()
    entry["sha256"], entry["size"] = digest.hexdigest(), size
    delivered = entry["delivered_sha256"]
    entry["matches_delivery"] = (entry["sha256"] in delivered) if delivered else None
    if entry["stored_sha256"]:
        entry["matches_stored"] = entry["sha256"] == entry["stored_sha256"]


def delivered_files(scopes, note: FilesNote) -> Iterator[tuple[str, Iterator[bytes]]]:
    """``(name, chunks)`` of each distinct file shared in the scopes."""
    first_path = {}
    for key, share, first in _distinct(scopes):
        kind, item_id = share.kind, getattr(share, f"{share.kind}_id")
        stored = share_kinds.of_share(share).stored_sha256(share.target)
        entry = {
            "kind": kind,
            "item_id": item_id,
            "title": str(share.target),
            "source": "pinned" if stored else "live",
            "stored_sha256": stored,
            "delivered_sha256": _delivered(scopes, kind, item_id),
        }
        note.entries.append(entry)
        if not first:
            entry["same_as"] = first_path[key]
            entry["sha256"] = stored
            entry["matches_delivery"] = (
                stored in entry["delivered_sha256"] if entry["delivered_sha256"] else None
            )
            continue
        path = _path(kind, item_id, share)
        first_path[key] = entry["path"] = path
        field_file = share_kinds.of_share(share).file(share.target)
        try:
            handle = field_file.storage.open(field_file.name, "rb")
        except (OSError, ValueError):
            entry["missing"] = True
            continue
        yield path, _chunks(handle, entry)
