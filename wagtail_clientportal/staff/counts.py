"""Counts for listings as correlated subqueries: two ``Count()``s over different joins
multiply the rows (users × shares per portal) before ``distinct`` removes them again."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_of(queryset, link: str):
    """``COUNT(*)`` of ``queryset`` rows whose ``link`` points at the outer row."""
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
