"""What is visible on which portal: one row per item and portal."""

from __future__ import annotations

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model_string

from .. import search_index, share_kinds
from ..share_kinds import TARGET_FIELDS
from .clients import Portal
from .documents import DocumentVersion
from .invoices import Invoice, Settlement


def _exactly_one_target() -> Q:
    condition = Q()
    for field in TARGET_FIELDS:
        only_this = Q(**{f"{field}__isnull": False})
        for other in TARGET_FIELDS:
            if other != field:
                only_this &= Q(**{f"{other}__isnull": True})
        condition |= only_this
    return condition


def search_text_of(item) -> str:
    """What the portal's search matches for a shared item, lower-cased.

    Kept on the share (``Share.search_text``) so that a search reads one column of
    one table, which an index serves (a trigram index on PostgreSQL), instead of six
    columns over five joins. ``signals`` refresh it when a title or number changes.
    """
    kind = share_kinds.kind_of(item)
    if kind is None:
        raise TypeError(f"not shareable: {item!r}")
    return " ".join(p for p in kind.search_parts(item) if p).lower()


def active_condition(now) -> Q:
    """Not revoked and not past its expiry at ``now``: what a portal may show then.

    A share whose portal was deleted is history only, never active."""
    not_expired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    return Q(revoked_at__isnull=True, portal__isnull=False) & not_expired


class ShareQuerySet(models.QuerySet):
    def active(self, now=None):
        """Not revoked and not past its expiry: what a portal may show right now."""
        return self.filter(active_condition(now or timezone.now()))

    def matching(self, q: str):
        """Shares whose item matches the search ``q`` (case-insensitive substring).

        ``search_text`` is stored lower-cased, so a plain ``LIKE '%q%'`` (``contains``)
        is enough: on PostgreSQL the trigram index of migration 0007 serves it; on
        SQLite the FTS5 index of migration 0019 names the candidates first, when
        there are few (``search_index``; one query, here), and the query looks them up
        by key (call it on the portal's shares: ``by_key`` steers that portal's term);
        otherwise it reads one column of the portal's rows, no joins.
        """
        words = q.lower()
        found = self.filter(search_text__contains=words)
        ids = search_index.candidate_ids(connections[self.db], words)
        if ids is None:
            return found
        return search_index.by_key(found.filter(pk__in=ids)) if ids else found.none()

    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def of_kind(self, kind: str):
        return self.filter(**{f"{kind}__isnull": False})

    def of_deleted_portals(self):
        return self.filter(portal__isnull=True)


class Share(models.Model):
    # DOCUMENT, DOCUMENT_VERSION, INVOICE, SETTLEMENT: one member per registered kind.
    Kind = models.TextChoices(
        "Kind", [(k.name.upper(), (k.name, k.label)) for k in share_kinds.KINDS.values()]
    )

    # The row outlives its portal (rule 12): the link goes to NULL, the copied names keep
    # the record readable. ``delete_portal`` revokes the share first; no portal query
    # can reach a row without a portal (they all filter on one).
    portal = models.ForeignKey(
        Portal,
        on_delete=models.SET_NULL,
        null=True,
        related_name="shares",
        verbose_name=_("portal"),
    )
    portal_name = models.CharField(_("portal name"), max_length=120, blank=True)
    client_name = models.CharField(_("client name"), max_length=255, blank=True)
    # The deleted portal's and its client's ids, copied with the names by
    # ``delete_portal``: the client's audit ZIP finds its deleted portals' history by them.
    portal_ref = models.PositiveBigIntegerField(_("portal id"), null=True, editable=False)
    client_ref = models.PositiveBigIntegerField(
        _("client id"), null=True, editable=False, db_index=True
    )
    document = models.ForeignKey(
        get_document_model_string(),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="clientportal_shares",
        verbose_name=_("document"),
    )
    document_version = models.ForeignKey(
        DocumentVersion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shares",
        verbose_name=_("document version"),
    )
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shares",
        verbose_name=_("invoice"),
    )
    settlement = models.ForeignKey(
        Settlement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shares",
        verbose_name=_("settlement"),
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )
    shared_at = models.DateTimeField(_("shared at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # A pinned version replaced on this portal by a newer version of the same document
    # (issue 12): it stays (visible under the newer one, or revoked: staff choose), and
    # the trail says which share replaced it and when.
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    # The item's title, version label and invoice number as the portal searches them
    # (``search_text_of``); not shown anywhere.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)

    objects = ShareQuerySet.as_manager()

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["-shared_at", "-pk"]
        permissions = [("share_items", _("Can share items on client portals and revoke them"))]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_target(),
                name="clientportal_share_exactly_one_target",
                violation_error_message=_("A share has exactly one item."),
            ),
            *[
                models.UniqueConstraint(
                    fields=["portal", field],
                    condition=Q(revoked_at__isnull=True, **{f"{field}__isnull": False}),
                    name=f"clientportal_share_one_active_{field}",
                    violation_error_message=_("This item is already shared on this portal."),
                )
                for field in TARGET_FIELDS
            ],
        ]
        indexes = [
            # The staff's all-shares listing (every client): its newest page from the index.
            models.Index(fields=["-shared_at", "-id"], name="clientportal_share_recent"),
            # The portal listing: active shares of one portal in the model's ordering,
            # so a page is read from the index without sorting the whole portal.
            models.Index(
                fields=["portal", "-shared_at", "-id"],
                condition=Q(revoked_at__isnull=True),
                name="clientportal_share_portal_act",
            ),
            # The same per section (the portal's tabs and their counts): a portal of
            # 100,000 documents finds its three invoices without walking the documents.
            models.Index(
                fields=["portal", "-shared_at", "-id"],
                condition=Q(revoked_at__isnull=True)
                & (Q(document__isnull=False) | Q(document_version__isnull=False)),
                name="clientportal_share_portal_doc",
            ),
            models.Index(
                fields=["portal", "-shared_at", "-id"],
                condition=Q(revoked_at__isnull=True)
                & (Q(invoice__isnull=False) | Q(settlement__isnull=False)),
                name="clientportal_share_portal_inv",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} → {self.portal_label}"

    @property
    def portal_label(self) -> str:
        """The portal's name now, or as it was when shared if the portal is gone."""
        if self.portal_id is not None:
            return self.portal.name
        return _("%(name)s (deleted portal)") % {"name": self.portal_name or "—"}

    @property
    def client_label(self) -> str:
        return self.portal.client.name if self.portal_id is not None else self.client_name

    @property
    def kind(self) -> str:
        for field in TARGET_FIELDS:
            if getattr(self, f"{field}_id") is not None:
                return field
        raise ValueError("share without a target")

    @property
    def target(self):
        return getattr(self, self.kind)

    def get_kind_display(self) -> str:
        return self.Kind(self.kind).label

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.portal_id is not None
            and self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
        )
