"""Wagtail's reference index after set-based writes, which send no model signals.

Shares and notifications are snippets, so Wagtail records their foreign keys in its
reference index (the "Usage" of a document, a user, an invoice) and connects a
``post_delete`` receiver to them. That receiver is why Django's delete collector
cannot fast-delete such rows: it loads every row and sends the signal row by row,
and Wagtail answers each with a savepoint and two DELETEs. The services write these
rows with plain ``UPDATE``/``DELETE`` statements instead and keep the index
consistent here, with one statement per kind of target: no entry may point at a row
that is gone, since its "Usage" would name it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from wagtail.models import ReferenceIndex


def forget_references_to(model, ids: Iterable) -> None:
    """Drop the index entries pointing at the given rows of ``model`` (deleted, or
    unlinked by ``on_delete=SET_NULL``): Wagtail's ``remove_references_to`` for a set."""
    ids = [str(pk) for pk in ids]
    if not ids:
        return
    # Indexed under the model holding the primary key, as Wagtail does.
    parents = model._meta.get_parent_list()
    base = parents[-1] if parents else model
    content_type = ContentType.objects.get_for_model(base, for_concrete_model=False)
    ReferenceIndex.objects.filter(to_content_type=content_type, to_object_id__in=ids).delete()


def delete_set(model, ids: Iterable) -> None:
    """Delete the given rows of ``model`` with one statement per related table.

    For a model Wagtail indexes (a snippet or viewset model such as ``PortalUser``),
    ``QuerySet.delete()`` would load every row and send ``post_delete`` one by one.
    Here the index entries from and to the rows go in one statement each, the
    ``on_delete`` rules of every relation are applied set-based (``CASCADE`` by a
    filtered delete, ``SET_NULL`` by one ``UPDATE`` through the plain base manager,
    which append-only history models allow for exactly this), then the rows go.
    """
    ids = list(ids)
    if not ids:
        return
    forget_references_to(model, ids)
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    ReferenceIndex.objects.filter(
        base_content_type=content_type, object_id__in=[str(pk) for pk in ids]
    ).delete()
    relations = [
        f
        for f in model._meta.get_fields(include_hidden=True)  # "+" relations too
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]
    for relation in relations:
        rows = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": ids})
        if relation.on_delete is models.CASCADE:
            rows.delete()
        elif relation.on_delete is models.SET_NULL:
            rows.update(**{relation.field.name: None})
        elif relation.on_delete is not models.DO_NOTHING:
            raise ValueError(f"delete_set cannot apply {relation.on_delete.__name__}")
    queryset = model._base_manager.filter(pk__in=ids)
    queryset._raw_delete(queryset.db)
