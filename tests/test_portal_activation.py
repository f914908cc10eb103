"""Activation link: the first step of the client's path."""

import re

import pytest
import time_machine
from django.urls import reverse

from wagtail_clientportal import services
from wagtail_clientportal.models import PortalUser

pytestmark = pytest.mark.django_db


def _invite(ado, portal, mailoutbox, django_capture_on_commit_callbacks, email="ewa@klient.pl"):
    with django_capture_on_commit_callbacks(execute=True):
        pu = services.create_portal_user(
            ado, portal.client, email=email, first_name="Ewa", last_name="Lis", portals=[portal]
        )
    [message] = [m for m in mailoutbox if m.to == [email]]
    link = re.search(r"http://testserver(/portal/activate/\S+/)", message.body).group(1)
    return pu, message, link


def test_invitation_email_and_activation(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client
):
    pu, message, link = _invite(ado, portal_a, mailoutbox, django_capture_on_commit_callbacks)
    assert message.body.startswith("Dzień dobry,") and len(message.to) == 1
    assert "wygasa po 72 godzinach" in message.body  # the real period, not "a few days"
    assert client.get(link).status_code == 200
    bad = client.post(link, {"new_password1": "abc", "new_password2": "abd"})
    assert bad.status_code == 400
    assert PortalUser.objects.get(pk=pu.pk).activated_at is None
    ok = client.post(link, {"new_password1": "Zimowy-Las-2026", "new_password2": "Zimowy-Las-2026"})
    assert ok.status_code == 302
    pu.refresh_from_db()
    assert pu.activated_at is not None and pu.user.check_password("Zimowy-Las-2026")
    # Single use: the same link no longer works.
    again = client.get(link)
    assert again.status_code == 400 and "już" in again.content.decode()


def test_expired_tampered_and_foreign_links(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client, settings
):
    pu, _, link = _invite(ado, portal_a, mailoutbox, django_capture_on_commit_callbacks)
    _, _, other = _invite(
        ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, "jan@klient.pl"
    )
    uid, token = link.rstrip("/").split("/")[-2:]
    other_uid = other.rstrip("/").split("/")[-2]
    tampered = reverse(
        "wagtail_clientportal:activate", args=[uid, token[:-1] + ("x" if token[-1] != "x" else "y")]
    )
    foreign = reverse("wagtail_clientportal:activate", args=[other_uid, token])
    garbage = reverse("wagtail_clientportal:activate", args=["!!!", "1-2"])
    for url in (tampered, foreign, garbage):
        response = client.get(url)
        assert response.status_code == 400 and b"form" not in response.content
    with time_machine.travel("2030-01-01"):
        response = client.get(link)
    assert response.status_code == 400 and "wygasł" in response.content.decode()
    assert client.post(link.replace(uid, other_uid), {}).status_code == 400


def test_resend_activation(
    ado, editor, member, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    from wagtail_clientportal.exceptions import (
        ClientPortalPermissionDenied,
        ClientPortalValidationError,
    )

    with pytest.raises(ClientPortalValidationError) as exc:
        services.send_activation(ado, member)  # the factory's member is already active
    assert exc.value.code == "already_activated"
    PortalUser.objects.filter(pk=member.pk).update(activated_at=None)
    member.refresh_from_db()
    with pytest.raises(ClientPortalPermissionDenied):
        services.send_activation(editor, member)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_activation(ado, member)
    assert [m.to for m in mailoutbox] == [[member.email]]


def test_rolled_back_invitation_sends_nothing(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.create_portal_user(
                ado,
                portal_a.client,
                email="x@klient.pl",
                first_name="X",
                last_name="Y",
                portals=[portal_a],
            )
            raise RuntimeError
    assert mailoutbox == []
