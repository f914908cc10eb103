"""Counting what arrived, with the right plural (1 dokument, 2 dokumenty, 5 dokumentów)."""

from __future__ import annotations

from django.utils.translation import ngettext, npgettext

from .. import share_kinds

# Each kind's "%(count)d documents" is in its registry entry (``share_kinds``).
KIND_ORDER = share_kinds.TARGET_FIELDS


def total_phrase(count: int) -> str:
    """ "5 nowych elementów": the number of new items, any kind."""
    return ngettext("%(count)d new item", "%(count)d new items", count) % {"count": count}


def shared_phrase(count: int) -> str:
    """The same number as the object of "has shared … with you": Polish needs the
    accusative there ("udostępnia Państwu 1 nową pozycję"), not the list's nominative."""
    context = "the object of 'has shared ... with you'"
    return npgettext(context, "%(count)d new item", "%(count)d new items", count) % {"count": count}


def subject_phrase(count: int, portal_name: str) -> str:
    return ngettext(
        "%(count)d new item on the portal “%(portal)s”",
        "%(count)d new items on the portal “%(portal)s”",
        count,
    ) % {"count": count, "portal": portal_name}


def several_portals_subject(count: int) -> str:
    return ngettext(
        "%(count)d new item on your client portals",
        "%(count)d new items on your client portals",
        count,
    ) % {"count": count}


def digest_subject(count: int) -> str:
    return ngettext(
        "Daily summary: %(count)d new item on the client portal",
        "Daily summary: %(count)d new items on the client portal",
        count,
    ) % {"count": count}


def several_portals(context: dict, portal_url) -> dict:
    """For one email about several portals: each portal the person may still open, with
    its count and link, and the totals over those. ``{}`` when none is left."""
    from ..models import Portal
    from .outbox import eligible_assignments

    listed = {entry["portal"]: entry for entry in context["portals"]}
    allowed = {
        (portal_id, portal_user_id)
        for portal_id, portal_user_id, _user, _email in eligible_assignments(listed)
    }
    portals = Portal.objects.select_related("client").in_bulk(list(listed))
    entries = [
        {
            "portal": portals[pk],
            "url": portal_url(portals[pk]),
            "phrase": total_phrase(entry["count"]),
            "count": entry["count"],
        }
        for pk, entry in listed.items()
        if pk in portals and (pk, entry["portal_user"]) in allowed
    ]
    if not entries:
        return {}
    count = sum(e["count"] for e in entries)
    return {
        "portal_list": entries,
        "portal": entries[0]["portal"],
        "portal_url": entries[0]["url"],
        "total_phrase": shared_phrase(count),
        "subject_phrase": several_portals_subject(count),
    }


def kind_phrases(counts: dict[str, int]) -> list[str]:
    """One phrase per kind present, in a fixed order: ["2 dokumenty", "1 faktura"]."""
    return [
        share_kinds.get(kind).count_phrase(counts[kind]) % {"count": counts[kind]}
        for kind in KIND_ORDER
        if counts.get(kind)
    ]
