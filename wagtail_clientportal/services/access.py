"""What a portal user may see now (DESIGN rules 4 and 9), and the record of what they opened."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from .. import conf, share_kinds
from ..models import (
    AccessEvent,
    Invoice,
    Portal,
    PortalAssignment,
    PortalUser,
    Settlement,
    Share,
)
from ..models.sharing import active_condition
from ..prepared import PreparedQuery, insert

# Why access is refused; stable codes, checked in this order.
NOT_AUTHENTICATED = "not_authenticated"
NOT_VERIFIED = "otp_not_verified"
NOT_A_PORTAL_USER = "not_a_portal_user"
NOT_ACTIVATED = "not_activated"
BLOCKED = "blocked"
EXPIRED = "expired"
NOT_ASSIGNED = "not_assigned"
#: ``enter_portal`` only: the portal of the URL does not exist (any more).
NO_SUCH_PORTAL = "no_such_portal"


@dataclass(frozen=True)
class AccessDecision:
    portal_user: PortalUser | None
    reason: str | None = None
    #: The portal this decision is about (set when it was checked against one).
    portal: Portal | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is None

    def __bool__(self) -> bool:
        return self.allowed


def is_verified(user) -> bool:
    # django-otp's OTPMiddleware puts is_verified() on request.user; without it, no code was given.
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def usable_memberships(today):
    """Memberships that pass rule 9 apart from OTP and portal assignment."""
    return Q(activated_at__isnull=False, is_blocked=False) & (
        Q(access_expires_on__isnull=True) | Q(access_expires_on__gte=today)
    )


def check_portal_access(user, portal: Portal, *, today=None) -> AccessDecision:
    """Rule 9 for one request: every condition, checked against the database now.

    Nothing is cached on the session, so blocking, expiry, unassignment and
    portal deletion take effect at the next request.
    """
    if user is None or not user.is_authenticated:
        return AccessDecision(None, NOT_AUTHENTICATED)
    if not is_verified(user):
        return AccessDecision(None, NOT_VERIFIED)
    # The membership and its assignment in one query: the assignment is part of rule 9
    # and is read here only, not again by the share queries of the same request.
    assigned = PortalAssignment.objects.filter(portal_user=OuterRef("pk"), portal=portal.pk)
    # No joins: the client is the portal's (when loaded with it), the user is this one.
    portal_user = (
        PortalUser.objects.filter(user=user, client_id=portal.client_id)
        .annotate(is_assigned=Exists(assigned))
        .order_by()
        .first()
    )
    if portal_user is None:
        return AccessDecision(None, NOT_A_PORTAL_USER)
    return _decide(user, portal_user, portal, today)


def _decide(user, portal_user: PortalUser, portal: Portal, today) -> AccessDecision:
    """Rule 9's conditions on the membership, in their order (``is_assigned`` annotated)."""
    if Portal.client.is_cached(portal):
        portal_user.client = portal.client
    portal_user.user = user
    if portal_user.activated_at is None:
        return AccessDecision(portal_user, NOT_ACTIVATED)
    if portal_user.is_blocked:
        return AccessDecision(portal_user, BLOCKED)
    if portal_user.is_expired(today):
        return AccessDecision(portal_user, EXPIRED)
    if not portal_user.is_assigned:
        return AccessDecision(portal_user, NOT_ASSIGNED)
    return AccessDecision(portal_user, portal=portal)


def _assignment_query(related, *, portal_id, user_id) -> QuerySet[PortalAssignment]:
    """The person's assignment to the portal, with the membership of the portal's own
    client (a person has one per client), the portal and ``related`` from it."""
    paths = ["portal_user", "portal", *(f"portal__{path}" for path in related)]
    return (
        PortalAssignment.objects.select_related(*paths)
        .filter(
            portal_id=portal_id,
            portal_user__user_id=user_id,
            portal_user__client=F("portal__client"),
        )
        .order_by()[:1]
    )


_assignment = PreparedQuery(PortalAssignment, _assignment_query, portal_id=int, user_id=int)


def enter_portal(user, portal_id: int, *, related=("client",), today=None) -> AccessDecision:
    """Rule 9 for a request naming a portal by id: the decision, with the portal loaded
    (and ``related`` from it) on ``decision.portal``, or ``NO_SUCH_PORTAL``.

    The same decision as ``check_portal_access``, read from the database now. Where the
    person is assigned to the portal (every request that gets in) it costs one query:
    the assignment, joined to the portal and the membership. Otherwise the portal and
    the membership are read as ``check_portal_access`` reads them, to say why not.
    """
    if user is None or not user.is_authenticated:
        return AccessDecision(None, NOT_AUTHENTICATED)
    if not is_verified(user):
        return AccessDecision(None, NOT_VERIFIED)
    found = _assignment(tuple(related), portal_id=portal_id, user_id=user.pk)
    assignment = found[0] if found else None
    if assignment is not None:
        assignment.portal_user.is_assigned = True
        portal = assignment.portal
        decision = _decide(user, assignment.portal_user, portal, today)
    else:
        portal = Portal.objects.select_related(*related).filter(pk=portal_id).first()
        if portal is None:
            return AccessDecision(None, NO_SUCH_PORTAL)
        decision = check_portal_access(user, portal, today=today)
    if decision.reason in (NOT_A_PORTAL_USER, NOT_ASSIGNED):
        # Hidden (404): nothing of another client's portal travels with the answer.
        return AccessDecision(None, decision.reason)
    # A refusal names the portal too: its page shows the client's contact person.
    return AccessDecision(decision.portal_user, decision.reason, portal=portal)


def accessible_portal_users(user, *, today=None) -> QuerySet[PortalUser]:
    """The memberships through which ``user`` may enter some portal now (the portal choice)."""
    if user is None or not user.is_authenticated or not is_verified(user):
        return PortalUser.objects.none()
    today = today or timezone.localdate()
    return (
        PortalUser.objects.filter(usable_memberships(today), user=user)
        .select_related("client")
        .prefetch_related("portals")
    )


def visible_shares(portal_user: PortalUser, portal: Portal, *, now=None) -> QuerySet[Share]:
    """Exactly the active shares of ``portal``, if ``portal_user`` may use it now; else none.

    There is no permission system inside a portal (rule 4): an assigned user sees
    every active share of the portal and nothing else. OTP is a request matter,
    checked by ``check_portal_access``.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    allowed = PortalUser.objects.filter(
        usable_memberships(today), pk=portal_user.pk, portals=portal, client_id=portal.client_id
    ).exists()
    if not allowed:
        return Share.objects.none()
    return _active_shares(portal, now)


def shares_of(decision: AccessDecision, *, now=None) -> QuerySet[Share]:
    """The shares a decision of ``check_portal_access`` (made in this request) opens.

    The same set as ``visible_shares`` without checking the membership a second
    time: the decision was read from the database a moment ago, in this request.
    A refusal, or a decision not about a portal, opens nothing.
    """
    if not decision or decision.portal is None:
        return Share.objects.none()
    return _active_shares(decision.portal, now or timezone.now())


#: Share id -> its kind, for ``share_to_send``: a share's kind never changes and ids are
#: never reused, so each process remembers it (bounded; emptied when full; corrected
#: when a row says otherwise, as after a test's rollback reuses an id). It decides only
#: which item table is joined, never whether the share is sent.
_share_kinds: dict[int, str] = {}
_SHARE_KINDS_MAX = 50_000


def share_to_send(decision: AccessDecision, share_id: int, *, now=None) -> Share | None:
    """The active share ``share_id`` of the decision's portal, with its item loaded (a
    download), or ``None``: the rows of ``shares_of`` read in one query built in one step.

    A download reads one share, so the client's own items (``own_items``) are checked on
    the loaded invoice or settlement instead of as subqueries, and only the share's own
    kind of item is joined: a share's kind never changes, so the process remembers it
    (nothing of rule 9 is remembered: the row is read and checked now; a cache server
    would cost a round trip of its own). Building, compiling and reading the listing's
    queryset, with every kind's item joined (80 columns), cost a download more CPU than
    its SQL did (bench_download_cpu); this one is compiled once per kind (``prepared``).
    """
    if not decision or decision.portal is None:
        return None
    portal = decision.portal
    kind = share_kinds.KINDS.get(_share_kinds.get(share_id))
    related = kind.related if kind else share_kinds.RELATED
    found = _share(related, now=now or timezone.now(), share_id=share_id, portal_id=portal.pk)
    share = found[0] if found else None
    if share is None or not owns_item(share, portal.client_id):
        return None
    if kind is None or kind.name != share.kind:
        if len(_share_kinds) >= _SHARE_KINDS_MAX:
            _share_kinds.clear()
        _share_kinds[share.pk] = share.kind
    share.portal = portal
    return share


def _share_query(related, *, now, share_id, portal_id) -> QuerySet[Share]:
    return (
        Share.objects.order_by()
        .select_related(*related)
        .filter(active_condition(now), pk=share_id, portal=portal_id)[:1]
    )


_share = PreparedQuery(Share, _share_query, now=datetime.datetime, share_id=int, portal_id=int)


def _active_shares(portal: Portal, now) -> QuerySet[Share]:
    # The rows carry the portal already loaded: record_access() and templates need it.
    shares = Share.objects.filter(own_items(portal.client_id), portal=portal).active(now)
    return shares.select_related("portal__client")


def own_items(client_id) -> Q:
    """Shares whose item may be shown to ``client_id`` (a value or an ``F`` expression):
    an invoice later moved to another client must not stay on its old client's portals.

    The client's invoices and settlements are subqueries, not joins of those tables to
    every share: with the joins, PostgreSQL hashed the whole invoice table for a portal
    search of 100,000 shares, and every share query compiled three more joins."""
    if isinstance(client_id, F) and not isinstance(client_id, OuterRef):
        client_id = OuterRef(client_id.name)  # the share's own column, one query out
    invoices = Invoice.objects.filter(client_id=client_id).order_by().values("pk")
    settlements = Settlement.objects.filter(invoice__client_id=client_id).order_by().values("pk")
    condition = Q(invoice__isnull=True, settlement__isnull=True)
    condition |= Q(invoice__in=invoices)
    condition |= Q(settlement__in=settlements)
    return condition


def owns_item(share: Share, client_id: int) -> bool:
    """``own_items`` for one loaded share: its item belongs to no one (documents) or to
    ``client_id`` (each kind says whose it is: ``ShareKind.owner_client_id``)."""
    owner = share_kinds.of_share(share).owner_client_id(share.target)
    return owner is None or owner == client_id


def new_share_counts(memberships, *, now=None) -> dict[int, int]:
    """Per portal of these memberships (``accessible_portal_users``), how many of its
    visible shares the person has not opened yet: one query for all the portals."""
    now = now or timezone.now()
    pairs = [(portal.pk, m.pk) for m in memberships for portal in m.portals.all()]
    if not pairs:
        return {}
    # Opened through any of the person's memberships (a portal has one client, and the
    # person one membership per client).
    seen = AccessEvent.objects.filter(
        share=OuterRef("pk"), portal_user__in=[pu for _portal, pu in pairs]
    )
    rows = (
        Share.objects.filter(portal_id__in={p for p, _pu in pairs})
        .active(now)
        .filter(own_items(F("portal__client_id")))
        .filter(~Exists(seen))
        .values("portal_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["portal_id"]: row["n"] for row in rows}


def client_ip(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or the reverse proxy's header when configured.

    ``WAGTAILCLIENTPORTAL_CLIENT_IP_HEADER`` names the header (off by default: a
    header is whatever the client wrote unless a proxy the firm runs sets it).
    With ``X-Forwarded-For`` each of ``WAGTAILCLIENTPORTAL_TRUSTED_PROXIES``
    appends the address it saw, so the client is that many entries from the
    right; entries further left were written by the client and are ignored.
    A missing, short or malformed header falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    header = conf.client_ip_header()
    if not header:
        return remote
    entries = [e.strip() for e in str(request.META.get(header, "")).split(",") if e.strip()]
    proxies = conf.trusted_proxies()
    if len(entries) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-proxies]))
    except ValueError:
        return remote


def record_access(portal_user: PortalUser, share: Share, action: str, request=None) -> AccessEvent:
    """Write the audit row, copying names so it stays readable after deletions."""
    target = share.target
    user = portal_user.user
    event = AccessEvent(
        share=share,
        portal_user=portal_user,
        user=user,
        action=action,
        ip_address=client_ip(request) if request else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:512],
        user_email=portal_user.email,
        user_name=portal_user.full_name,
        client_name=share.portal.client.name,
        portal_name=share.portal.name,
        item_kind=share.kind,
        item_title=str(getattr(target, "title", None) or target)[:255],
    )
    insert(event)
    return event
