"""The audit ZIP of one client: the records of all its portals, deleted ones included.

One folder per portal with the five CSVs of the portal's ZIP (``audit_export``):
``portals/<id> <name>/`` for the client's portals, ``deleted-portals/<id> <name>/``
for portals deleted since (their shares, access events, delivery records and
notifications outlive them, SET_NULL, with the ids and names copied at deletion).
Each folder also holds the portal's ``receipts/``; the delivered files, when asked,
are in ``files/`` at the root (each once, whichever portals shared it).
``manifest.json`` lists the portals and the SHA-256 of every file.

Shares of a portal deleted before the ids were copied (migration 0017) are found by
the client's name when exactly one client has it, grouped by the portal's copied
name; their delivery records are found by share id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone

from ..models import Client, Share
from ..permissions import MANAGE_PORTALS, require
from .audit import audit_exported
from .audit_export import Extras, Scope, _user, export_files, stream_zip


def _folder_name(scope: Scope) -> str:
    # ZIP paths: no slashes or control characters from a portal's name.
    name = re.sub(r"[\x00-\x1f/\\:*?\"<>|]+", "_", scope.name).strip(" .") or "-"
    prefix = "deleted-portals" if scope.deleted else "portals"
    return f"{prefix}/{scope.portal_id or '-'} {name}/"


def client_scopes(client: Client) -> list[Scope]:
    """The client's portals, then its deleted portals (by id, then legacy rows by name)."""
    scopes = [Scope.of_portal(p) for p in client.portals.order_by("name", "pk")]
    orphans = Share.objects.filter(portal__isnull=True).filter(
        Q(client_ref=client.pk) | Q(client_ref__isnull=True, client_name=client.name)
    )
    seen = set()
    groups = orphans.values_list("portal_ref", "portal_name").order_by("portal_ref", "portal_name")
    for portal_ref, portal_name in groups.distinct():
        if portal_ref is not None:
            if portal_ref in seen:
                continue  # renamed before deletion: one folder per id, the last name
            seen.add(portal_ref)
            shares = Q(portal_ref=portal_ref, client_ref=client.pk)
            last_name = (
                orphans.filter(portal_ref=portal_ref).values_list("portal_name", flat=True).last()
            )
            scopes.append(Scope.of_deleted(portal_ref, last_name or portal_name, shares))
        else:
            shares = Q(portal_ref__isnull=True, portal_name=portal_name) & (
                Q(client_ref=client.pk) | Q(client_ref__isnull=True, client_name=client.name)
            )
            scopes.append(Scope.of_deleted(None, portal_name, shares))
    return scopes


def client_files(scopes: list[Scope], extras: Extras):
    """Each portal's files in its folder (receipts included); delivered files at the root."""
    return export_files([(scope, _folder_name(scope)) for scope in scopes], extras)


def client_manifest(actor, client: Client, scopes: list[Scope]) -> dict:
    return {
        "format": "wagtail-clientportal audit export 1",
        "client": {"id": client.pk, "name": client.name},
        "portals": [
            {
                "id": s.portal_id,
                "name": s.name,
                "deleted": s.deleted,
                "folder": _folder_name(s),
            }
            for s in scopes
        ],
        "period": {"from": client.created_at.isoformat(), "to": timezone.now().isoformat()}
        if hasattr(client, "created_at")
        else {"to": timezone.now().isoformat()},
        "generated_by": _user(actor),
        "generated_at": timezone.now().isoformat(),
        "csv": {"encoding": "utf-8-sig", "delimiter": ";"},
    }


def client_audit_zip(actor, client: Client, *, files: bool = False) -> Iterator[bytes]:
    """The ZIP's bytes, chunk by chunk; ADO and Administrator only (``manage_portals``)."""
    require(actor, MANAGE_PORTALS)
    audit_exported(actor, client, "stream", files=files)
    scopes = client_scopes(client)
    extras = Extras(include_files=files)
    return stream_zip(client_files(scopes, extras), client_manifest(actor, client, scopes), extras)
