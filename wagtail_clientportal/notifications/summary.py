"""Counting what arrived, with the right plural (1 dokument, 2 dokumenty, 5 dokumentów)."""

from __future__ import annotations

from django.utils.translation import ngettext

# Every msgid is written out so makemessages finds it.
_KIND_PHRASES = {
    "document": lambda n: ngettext("%(count)d document", "%(count)d documents", n),
    "document_version": lambda n: ngettext(
        "%(count)d document version", "%(count)d document versions", n
    ),
    "invoice": lambda n: ngettext("%(count)d invoice", "%(count)d invoices", n),
    "settlement": lambda n: ngettext("%(count)d settlement", "%(count)d settlements", n),
}
KIND_ORDER = tuple(_KIND_PHRASES)


def total_phrase(count: int) -> str:
    """ "5 nowych elementów": the number of new items, any kind."""
    return ngettext("%(count)d new item", "%(count)d new items", count) % {"count": count}


def subject_phrase(count: int, portal_name: str) -> str:
    return ngettext(
        "%(count)d new item on the portal “%(portal)s”",
        "%(count)d new items on the portal “%(portal)s”",
        count,
    ) % {"count": count, "portal": portal_name}


def kind_phrases(counts: dict[str, int]) -> list[str]:
    """One phrase per kind present, in a fixed order: ["2 dokumenty", "1 faktura"]."""
    return [
        _KIND_PHRASES[kind](counts[kind]) % {"count": counts[kind]}
        for kind in KIND_ORDER
        if counts.get(kind)
    ]
