"""Receivers that keep invariants on write paths the services do not own."""

from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from wagtail.documents import get_document_model

from . import share_kinds
from .exceptions import ClientPortalValidationError
from .models import DocumentVersion, Invoice, Portal, PortalUser, Settlement, Share
from .models.sharing import search_text_of


@receiver(m2m_changed, sender=PortalUser.portals.through)
def only_own_clients_portals(sender, instance, action, reverse, pk_set, **kwargs):
    """A portal user may only be assigned to portals of their own client, however it is done."""
    if action != "pre_add" or not pk_set:
        return
    if reverse:  # portal.portal_users.add(...)
        bad = PortalUser.objects.filter(pk__in=pk_set).exclude(client_id=instance.client_id)
    else:
        bad = Portal.objects.filter(pk__in=pk_set).exclude(client_id=instance.client_id)
    if bad.exists():
        raise ClientPortalValidationError("portal_of_other_client")


@receiver(post_save, sender=get_document_model())
@receiver(post_save, sender=DocumentVersion)
@receiver(post_save, sender=Invoice)
@receiver(post_save, sender=Settlement)
def refresh_search_text(sender, instance, raw=False, **kwargs):
    """A renamed item is found by its new name: one UPDATE of the shares of it.

    Documents are renamed in Wagtail's own admin, invoices and settlements in ours;
    both save the row, so a receiver covers every path.
    """
    if raw:  # loading fixtures: the shares' text comes with them
        return
    if isinstance(instance, Invoice):
        # A settlement is found by its invoice's number too.
        # From the database: a cluster form's in-memory children may not be saved yet.
        for settlement in Settlement.objects.filter(invoice_id=instance.pk).select_related(
            "invoice"
        ):
            refresh_search_text(Settlement, settlement)
        Share.objects.filter(invoice=instance).update(search_text=search_text_of(instance))
        return
    field = share_kinds.kind_of(instance).name
    Share.objects.filter(**{field: instance}).update(search_text=search_text_of(instance))
