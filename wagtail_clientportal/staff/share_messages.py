"""What staff read after sharing: "Udostępniono 2 dokumenty w panelu „Zarząd”."

Counted in items (not item × portal rows), named by their kind from the registry,
and "Nic nie zmieniono: …" when every item was already there.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import share_kinds


def where(portals) -> str:
    """ "w panelu „Zarząd”", or "w panelach: „A”, „B”"; the client named when several."""
    portals = list(portals)
    several_clients = len({p.client_id for p in portals}) > 1
    names = [f"„{p.name}” ({p.client.name})" if several_clients else f"„{p.name}”" for p in portals]
    if len(names) == 1:
        return _("on the portal %(name)s") % {"name": names[0]}
    return _("on the portals %(names)s") % {"names": ", ".join(names)}


def _count_by_kind(shares) -> dict[str, int]:
    items: dict[str, set] = {}
    for share in shares:
        items.setdefault(share.kind, set()).add(getattr(share, f"{share.kind}_id"))
    return {kind: len(ids) for kind, ids in items.items()}


def shared_sentence(shares, portals) -> str:
    counts = _count_by_kind(shares)
    place = where(portals)
    if len(counts) == 1:
        [(kind, count)] = counts.items()
        return share_kinds.get(kind).shared_phrase(count) % {"count": count, "where": place}
    items = ", ".join(
        share_kinds.get(kind).count_phrase(counts[kind]) % {"count": counts[kind]}
        for kind in share_kinds.TARGET_FIELDS
        if kind in counts
    )
    return _("Shared %(where)s: %(items)s.") % {"where": place, "items": items}


def share_message(result) -> str:
    """The success message of one sharing action, with Polish plurals."""
    if not result.created:
        count = sum(_count_by_kind(result.already_active).values())
        return _("Nothing changed: %(reason)s") % {
            "reason": ngettext(
                "%(count)d item is already shared %(where)s.",
                "%(count)d items are already shared %(where)s.",
                count,
            )
            % {"count": count, "where": where(result.portals)}
        }
    parts = [shared_sentence(result.created, result.portals)]
    if result.already_active:
        n = len(result.already_active)
        parts.append(
            ngettext(
                "%(count)d share was already active and stays as it is.",
                "%(count)d shares were already active and stay as they are.",
                n,
            )
            % {"count": n}
        )
    notified = result.notified_people
    parts.append(
        ngettext(
            "%(count)d portal user will be notified.",
            "%(count)d portal users will be notified.",
            notified,
        )
        % {"count": notified}
    )
    return " ".join(parts)
