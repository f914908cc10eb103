"""How the client reaches the firm: the firm's contact from settings and, when the client
record names one, the firm's person for that client.

Every page and email that says "please contact the firm" also says how: the portal's
footer (so every refusal page too) and every email footer show this.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import conf


@dataclass(frozen=True)
class Contact:
    phone: str = ""
    email: str = ""
    address: str = ""
    hours: str = ""
    person_name: str = ""
    person_email: str = ""

    def __bool__(self) -> bool:
        return any(vars(self).values())


def person_of(client):
    """The firm's contact person for ``client`` (a login), or None."""
    if client is None or not getattr(client, "contact_person_id", None):
        return None
    return client.contact_person


def for_client(client=None) -> Contact:
    """The firm's contact, with ``client``'s contact person when it has one."""
    person = person_of(client)
    name = email = ""
    if person is not None and person.is_active:
        name = person.get_full_name() or person.get_username()
        email = getattr(person, person.get_email_field_name(), "") or ""
    return Contact(
        phone=conf.firm_phone(),
        email=conf.firm_email(),
        address=conf.firm_address(),
        hours=conf.firm_hours(),
        person_name=name,
        person_email=email,
    )
