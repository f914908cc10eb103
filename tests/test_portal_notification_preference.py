"""The client's choice of notification emails: a POST from a verified session, through
the service, logged in Wagtail's audit log, for every membership of the person."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.conftest import otp_login
from tests.factories import PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import ClientPortalValidationError
from wagtail_clientportal.models import PortalUser
from wagtail_clientportal.services import audit, preferences

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

URL = "wagtail_clientportal:account_notifications"
DAILY = PortalUser.NotificationPreference.DAILY
IMMEDIATE = PortalUser.NotificationPreference.IMMEDIATE


def _text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def test_the_account_page_offers_the_choice_default_immediate(client, member):
    otp_login(client, member.user)
    page = _text(client.get(reverse("wagtail_clientportal:account")))
    assert f'action="{reverse(URL)}"' in page
    [immediate] = [tag for tag in page.split("<input") if 'value="immediate"' in tag]
    assert "checked" in immediate
    assert "Jak informować Państwa o nowych pozycjach?" in page
    assert "Jedno podsumowanie dziennie" in page


def test_choosing_the_digest_sets_every_membership_and_is_logged(
    client, member, client_b, portal_b
):
    other = PortalUserFactory(client=client_b, user=member.user, portals=[portal_b])
    otp_login(client, member.user)
    response = client.post(reverse(URL), {"notification_preference": "daily"})
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtail_clientportal:account")
    for portal_user in (member, other):
        portal_user.refresh_from_db()
        assert portal_user.notification_preference == DAILY
    entries = ModelLogEntry.objects.filter(action=audit.USER_NOTIFICATION_PREFERENCE)
    assert entries.count() == 2
    assert {e.data["new"] for e in entries} == {"daily"}
    assert {e.data["old"] for e in entries} == {"immediate"}
    assert {e.user_id for e in entries} == {member.user.pk}
    page = _text(client.get(reverse("wagtail_clientportal:account")))
    assert "Nowe pozycje będą zebrane w jednym e-mailu dziennie." in page
    # Choosing the same again changes and logs nothing.
    client.post(reverse(URL), {"notification_preference": "daily"})
    assert entries.count() == 2


@pytest.mark.parametrize("value", ["weekly", "", "DAILY"])
def test_a_bad_value_is_a_translated_400_and_writes_nothing(client, member, value):
    otp_login(client, member.user)
    response = client.post(reverse(URL), {"notification_preference": value})
    assert response.status_code == 400
    assert "Proszę wybrać sposób powiadamiania o nowych pozycjach." in _text(response)
    member.refresh_from_db()
    assert member.notification_preference == IMMEDIATE
    assert not ModelLogEntry.objects.filter(action=audit.USER_NOTIFICATION_PREFERENCE).exists()


def test_the_service_refuses_an_unknown_value_with_a_stable_code(member):
    with pytest.raises(ClientPortalValidationError) as error:
        preferences.set_notification_preference(member.user, "hourly")
    assert error.value.code == "notification_preference_invalid"


def test_anonymous_and_password_only_sessions_cannot_change_it(client, member):
    response = client.post(reverse(URL), {"notification_preference": "daily"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtail_clientportal:login"))
    client.force_login(member.user)  # password accepted, no second factor
    response = client.post(reverse(URL), {"notification_preference": "daily"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.notification_preference == IMMEDIATE


def test_the_post_needs_csrf(member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    otp_login(strict, member.user)
    response = strict.post(reverse(URL), {"notification_preference": "daily"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.notification_preference == IMMEDIATE


def test_staff_without_a_membership_are_refused(client, administrator):
    otp_login(client, administrator)
    response = client.post(reverse(URL), {"notification_preference": "daily"})
    assert response.status_code in (302, 403, 404)
    assert not PortalUser.objects.filter(user=administrator).exists()


def test_a_new_membership_copies_the_persons_choice(administrator, member, client_b, portal_b):
    preferences.set_notification_preference(member.user, DAILY)
    added = services.create_portal_user(
        administrator,
        client_b,
        email=member.user.email,
        first_name="Anna",
        last_name="Nowak",
        portals=[portal_b],
    )
    assert added.notification_preference == DAILY
    fresh = services.create_portal_user(
        administrator,
        client_b,
        email="nowa@example.com",
        first_name="Ewa",
        last_name="Nowa",
        portals=[portal_b],
    )
    assert fresh.notification_preference == IMMEDIATE
    assert get_user_model().objects.filter(email="nowa@example.com").exists()
