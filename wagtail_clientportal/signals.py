"""Receivers that keep invariants on write paths the services do not own."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from .exceptions import ClientPortalValidationError
from .models import Portal, PortalUser


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
