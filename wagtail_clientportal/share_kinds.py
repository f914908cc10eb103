"""The kinds of item a share can hold, in one registry: kind → model, label and accessors.

Services, the staff pages, the portal and the notifications ask this module rather
than switching on the kind, so a fifth kind is one entry here (plus its ``Share``
column and migration: the database keeps one foreign key per kind, with its own
constraint and index). Entries are in the order the portal and emails list them.

Nothing here imports the models at import time: ``models.sharing`` builds its
columns' names and choices from this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


def _model(name: str) -> Callable[[], type]:
    return lambda: apps.get_model("wagtail_clientportal", name)


def _document_model() -> type:
    from wagtail.documents import get_document_model

    return get_document_model()


def _none(item):
    return None


@dataclass(frozen=True)
class ShareKind:
    #: The kind's value and the ``Share`` column that holds it.
    name: str
    label: object
    #: The portal's section ("documents" or "invoices") the kind is listed in.
    section: str
    model: Callable[[], type]
    #: ``select_related`` paths from a share that load the item and what it shows.
    related: tuple[str, ...]
    #: The stored file the share serves.
    file: Callable
    #: What the portal's search matches (lower-cased and joined by ``search_text_of``).
    search_parts: Callable
    #: The client the item belongs to (invoices), or None (documents belong to no one).
    owner_client_id: Callable = _none
    #: The size shown on the portal without a storage call, or None.
    size: Callable = _none
    #: The SHA-256 stored when the content was frozen (pinned versions), or None.
    stored_sha256: Callable = _none
    #: The Wagtail document behind the item (DESIGN rule 11: never public again).
    document_id: Callable = _none
    #: "%(count)d documents": a count of this kind with its plural forms.
    count_phrase: Callable = _none
    #: "Shared %(count)d documents %(where)s.": staff's message after sharing.
    shared_phrase: Callable = _none

    def of(self, share):
        return getattr(share, self.name)


KINDS: dict[str, ShareKind] = {
    kind.name: kind
    for kind in (
        ShareKind(
            name="document",
            label=_("Document"),
            section="documents",
            model=_document_model,
            related=("document",),
            file=lambda d: d.file,
            search_parts=lambda d: [d.title],
            size=lambda d: getattr(d, "file_size", None),
            document_id=lambda d: d.pk,
            count_phrase=lambda n: ngettext("%(count)d document", "%(count)d documents", n),
            shared_phrase=lambda n: ngettext(
                "Shared %(count)d document %(where)s.", "Shared %(count)d documents %(where)s.", n
            ),
        ),
        ShareKind(
            name="document_version",
            label=_("Document version"),
            section="documents",
            model=_model("DocumentVersion"),
            related=("document_version",),
            file=lambda v: v.file,
            search_parts=lambda v: [v.title, v.label],
            size=lambda v: v.size,
            stored_sha256=lambda v: v.sha256,
            document_id=lambda v: v.document_id,
            count_phrase=lambda n: ngettext(
                "%(count)d document version", "%(count)d document versions", n
            ),
            shared_phrase=lambda n: ngettext(
                "Shared %(count)d pinned document version %(where)s.",
                "Shared %(count)d pinned document versions %(where)s.",
                n,
            ),
        ),
        ShareKind(
            name="invoice",
            label=_("Invoice"),
            section="invoices",
            model=_model("Invoice"),
            related=("invoice",),
            file=lambda i: i.pdf,
            search_parts=lambda i: [i.number],
            owner_client_id=lambda i: i.client_id,
            count_phrase=lambda n: ngettext("%(count)d invoice", "%(count)d invoices", n),
            shared_phrase=lambda n: ngettext(
                "Shared %(count)d invoice %(where)s.", "Shared %(count)d invoices %(where)s.", n
            ),
        ),
        ShareKind(
            name="settlement",
            label=_("Settlement"),
            section="invoices",
            model=_model("Settlement"),
            related=("settlement__invoice",),
            file=lambda s: s.file,
            search_parts=lambda s: [s.title, s.invoice.number],
            owner_client_id=lambda s: s.invoice.client_id,
            count_phrase=lambda n: ngettext("%(count)d settlement", "%(count)d settlements", n),
            shared_phrase=lambda n: ngettext(
                "Shared %(count)d settlement %(where)s.",
                "Shared %(count)d settlements %(where)s.",
                n,
            ),
        ),
    )
}

#: The ``Share`` columns, in a fixed order; exactly one is set on every row.
TARGET_FIELDS = tuple(KINDS)
#: ``select_related`` paths that load any share's item.
RELATED = tuple(path for kind in KINDS.values() for path in kind.related)


def get(name: str) -> ShareKind:
    return KINDS[name]


def of_share(share) -> ShareKind:
    return KINDS[share.kind]


def kind_of(item) -> ShareKind | None:
    """The kind of ``item``, or None when it is not shareable."""
    for kind in KINDS.values():
        if isinstance(item, kind.model()):
            return kind
    return None


def in_section(section: str) -> tuple[ShareKind, ...]:
    return tuple(kind for kind in KINDS.values() if kind.section == section)


def sections() -> tuple[str, ...]:
    return tuple(dict.fromkeys(kind.section for kind in KINDS.values()))
