"""The staff pages' URLs, reversed in one place for every staff test."""

from django.urls import reverse
from django.utils.http import urlencode


def _pk(obj):
    return obj if isinstance(obj, (int, str)) else obj.pk


def portals_tab(client):
    """The client card's "Panel klienta" tab."""
    return reverse("clientportal_portals:client", args=[_pk(client)])


def users_tab(client):
    """The client card's "Użytkownicy PK" tab."""
    return reverse("clientportal_portal_users:client", args=[_pk(client)])


def portal_page(portal):
    return reverse("clientportal_portals:detail", args=[_pk(portal)])


def portal_users_tab(portal):
    return reverse("clientportal_portal_users:portal", args=[_pk(portal)])


def portal_add(client):
    return f"{reverse('clientportal_portals:add')}?client={_pk(client)}"


def portal_edit(portal):
    return reverse("clientportal_portals:edit", args=[_pk(portal)])


def portal_delete(portal):
    return reverse("clientportal_portals:delete", args=[_pk(portal)])


def portal_user_add(client, portal=None):
    query = {"client": _pk(client)}
    if portal is not None:
        query["portal"] = _pk(portal)
    return f"{reverse('clientportal_portal_users:add')}?{urlencode(query)}"


def portal_user_edit(portal_user):
    return reverse("clientportal_portal_users:edit", args=[_pk(portal_user)])


def portal_user_delete(portal_user):
    return reverse("clientportal_portal_users:delete", args=[_pk(portal_user)])


def portal_user_action(action, *portal_users):
    """A bulk action (block, unblock, resend, delete) on portal users."""
    url = reverse("wagtail_bulk_action", args=("wagtail_clientportal", "portaluser", action))
    return f"{url}?{urlencode([('id', _pk(pu)) for pu in portal_users])}"


def revoke_shares(*shares, next_url=None):
    """The shares' bulk revoke (its confirmation page on GET), as the portal page submits it."""
    url = reverse(
        "wagtail_bulk_action",
        args=("wagtail_clientportal", "share", "clientportal_revoke_shares"),
    )
    query = [("id", _pk(share)) for share in shares]
    if next_url:
        query.append(("next", next_url))
    return f"{url}?{urlencode(query)}"
