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
