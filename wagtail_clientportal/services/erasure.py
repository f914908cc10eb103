"""Erasing a person (art. 17 RODO): the login and memberships go, the evidence stays.

What happens, in one transaction, for the person behind a portal user (every
membership of their login, at every client):

- the memberships (portal users, their assignments) and the login (its OTP devices,
  password, Wagtail profile) are deleted; a staff login is refused (``erase_staff_login``):
  the firm's own account is not a client's data to erase;
- their access events, delivery records and uploads keep what they prove (times,
  item, hashes of the bytes sent, file hashes) but the name and email become a
  pseudonym (``Osoba usunięta <hex>``, one per erasure) and the IP address and user
  agent are cleared: what the legal-claims exemption (art. 17(3)(e)) lets the firm
  keep, without keeping who;
- their notifications keep kind, status and times; the address becomes the
  pseudonym, the context and error text are cleared; one still queued is failed;
- the package's earlier entries in Wagtail's audit log about them (label, name,
  email) are rewritten with the pseudonym.

The delivery chain still verifies: since migration 0015 a record's hash covers the
person only through ``person_digest`` (a salted SHA-256, ``services.delivery``), so
replacing the four values and forgetting the salt changes no hash. A record written
before 0015 hashes the values themselves; pseudonymised, its own hash can no longer
be recomputed (``verify_chain`` lists it as ``legacy_pseudonymised``) while the
links to it and from it are still checked.

The erasure is logged under the pseudonym with counts: never the erased name or address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import registry

from ..exceptions import ClientPortalValidationError
from ..models import Notification, PortalUser
from ..permissions import MANAGE_PERSONAL_DATA, require, staff_login_ids
from . import audit
from .locking import lock_client_portals, lock_logins, lock_portal_users
from .person_export import Person
from .users import delete_portal_users_rows, delete_unused_logins

PSEUDONYM_DOMAIN = "erased.invalid"  # RFC 2606: never a deliverable address
#: Keys of the package's audit payloads that hold a person's name or address.
PERSONAL_KEYS = frozenset({"name", "email", "recipient", "first_name", "last_name"})


@dataclass
class ErasurePlan:
    """What an erasure will do, counted from the data; the confirmation page shows it."""

    memberships: list
    clients: list[str]
    access_events: int = 0
    delivery_records: int = 0
    notifications: int = 0
    uploads: int = 0
    devices: int = 0
    staff_login: bool = False
    counts: dict = field(default_factory=dict)


def plan_erasure(portal_user: PortalUser) -> ErasurePlan:
    from django_otp import devices_for_user

    person = Person.of(portal_user)
    return ErasurePlan(
        memberships=person.memberships,
        clients=sorted({m.client.name for m in person.memberships}),
        access_events=person.access_events().count(),
        delivery_records=person.delivery_records().count(),
        notifications=person.notifications().count(),
        uploads=person.uploads().count(),
        devices=len(list(devices_for_user(person.login, confirmed=None))),
        staff_login=bool(staff_login_ids([person.login])),
    )


def new_pseudonym() -> tuple[str, str]:
    """A name and an address that say "erased" and link the records of one erasure."""
    tag = secrets.token_hex(5)
    return f"Osoba usunięta {tag}", f"usunieta-{tag}@{PSEUDONYM_DOMAIN}"


@transaction.atomic
def erase_person(actor, portal_user: PortalUser) -> dict:
    """Erase the person behind ``portal_user``; returns the counts (also logged)."""
    require(actor, MANAGE_PERSONAL_DATA)
    login_id = portal_user.user_id
    memberships = PortalUser.objects.filter(user_id=login_id)
    client_ids = sorted(set(memberships.values_list("client_id", flat=True)))
    for client_id in client_ids:  # level 1, in ascending order: no assignment meanwhile
        lock_client_portals(client_id)
    ids = lock_portal_users(memberships.values_list("pk", flat=True))  # level 2
    if portal_user.pk not in ids:
        raise ClientPortalValidationError("portal_user_gone")
    logins = lock_logins([login_id])  # level 3
    if staff_login_ids(logins):
        raise ClientPortalValidationError("erase_staff_login")
    person = Person.of(portal_user)
    person.memberships = [m for m in person.memberships if m.pk in ids]
    names = {m.full_name for m in person.memberships} - {""}
    name, email = new_pseudonym()
    now = timezone.now()
    counts = {
        "access_events": person.access_events().update(
            user_email=email, user_name=name, ip_address=None, user_agent=""
        ),
        # The one sanctioned change of a delivery record: the person's four values and
        # the salt. The digest, the hash and the links stay (see the module docstring).
        "delivery_records": person.delivery_records().update(
            user_email=email,
            user_name=name,
            ip_address=None,
            user_agent="",
            person_salt="",
            pseudonymised_at=now,
        ),
        "uploads": person.uploads().update(
            user_email=email, user_name=name, ip_address=None, user_agent=""
        ),
    }
    notifications = person.notifications()
    notifications.filter(status=Notification.Status.QUEUED).update(
        status=Notification.Status.FAILED, status_changed_at=now
    )
    counts["notifications"] = notifications.update(recipient=email, context={}, last_error="")
    counts["log_entries"] = _pseudonymise_log(ids, login_id, names, person.email, name, email)
    counts["memberships"] = len(ids)
    counts["clients"] = len(client_ids)
    audit.person_erased(actor, portal_user, name, counts)
    delete_portal_users_rows(ids)
    counts["login_deleted"] = delete_unused_logins([login_id]) == [login_id]
    return {"pseudonym": name, **counts}


def _pseudonymise_log(ids, login_id, names, old_email, name, email) -> int:
    """The package's earlier audit entries about the person, with the pseudonym instead."""
    model = registry.get_log_model_for_instance(PortalUser())
    if model is None:
        return 0
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    content_type = ContentType.objects.get_for_model(PortalUser, for_concrete_model=False)
    rows = model.objects.filter(
        Q(content_type=content_type, object_id__in=[str(pk) for pk in ids])
        | Q(action__startswith=audit.PREFIX, data__portal_user_id__in=list(ids))
    )
    old = {s.casefold() for s in (*names, old_email) if s}

    def scrub(value, personal=False):
        # By key (the payloads' "name", "email", "recipient", an edit's old and new
        # name) and by value (the current name and address anywhere else).
        if isinstance(value, str):
            if personal or value.casefold() in old:
                return email if "@" in value else name
            return value
        if isinstance(value, list):
            return [scrub(v, personal) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v, personal or k in PERSONAL_KEYS) for k, v in value.items()}
        return value

    changed = []
    for entry in rows:
        entry.data = scrub(entry.data or {})
        if entry.content_type_id == content_type.pk:
            entry.label = name
        changed.append(entry)
    model.objects.bulk_update(changed, ["data", "label"], batch_size=500)
    return len(changed)
