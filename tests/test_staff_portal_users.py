"""Staff side: the "Użytkownicy PK" tab and every action on a portal user (rule 8)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests import staff_urls
from tests.factories import PortalUserFactory
from wagtail_clientportal.models import PortalUser

pytestmark = pytest.mark.django_db


def users_url(c):
    return reverse("clientportal_portal_users:client", args=[c.pk])


def add_url(c):
    return staff_urls.portal_user_add(c.pk)


def action_url(pu, action):
    return staff_urls.portal_user_action(action, pu.pk)


def payload(**overrides):
    data = {
        "first_name": "Jan",
        "last_name": "Kowalski",
        "email": "jan@alfa.pl",
        "portals": [],
        "access_expires_on": "",
    }
    data.update(overrides)
    return data


def test_add_form_preselects_the_only_portal(client, ado, client_a, portal_a):
    client.force_login(ado)
    response = client.get(add_url(client_a))
    assert response.status_code == 200
    assert response.context["form"].initial["portals"] == [portal_a.pk]


def test_add_form_offers_only_this_clients_portals(client, ado, client_a, portal_a, portal_b):
    client.force_login(ado)
    form = client.get(add_url(client_a)).context["form"]
    assert list(form.fields["portals"].queryset) == [portal_a]


@pytest.mark.parametrize("who", ["administrator", "ado"])
def test_manager_adds_portal_user_and_activation_is_sent(
    request,
    client,
    who,
    client_a,
    portal_a,
    portal_a2,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client.force_login(request.getfixturevalue(who))
    expiry = timezone.localdate() + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            add_url(client_a),
            payload(portals=[portal_a.pk, portal_a2.pk], access_expires_on=expiry.isoformat()),
        )
    assert response.status_code == 302
    pu = PortalUser.objects.get(client=client_a)
    assert (pu.first_name, pu.last_name, pu.email) == ("Jan", "Kowalski", "jan@alfa.pl")
    assert set(pu.portals.all()) == {portal_a, portal_a2}
    assert pu.access_expires_on == expiry
    assert pu.invited_at is not None and pu.activated_at is None
    assert [m.to for m in mailoutbox] == [["jan@alfa.pl"]]
    listing = client.get(users_url(client_a)).text
    assert "Jan Kowalski" in listing and "Zaproszony" in listing


def test_editor_gets_403_for_creating_and_deleting_portal_users(
    client, editor, client_a, portal_a, member
):
    client.force_login(editor)
    assert client.get(add_url(client_a)).status_code == 403
    assert client.post(add_url(client_a), payload(portals=[portal_a.pk])).status_code == 403
    delete_url = staff_urls.portal_user_delete(member.pk)
    assert client.post(delete_url).status_code == 403
    for action in ("block", "unblock", "resend"):
        assert client.post(action_url(member, action)).status_code == 403
    assert list(PortalUser.objects.all()) == [member]
    # The tab is visible to editors, without the buttons.
    response = client.get(users_url(client_a))
    assert response.status_code == 200
    assert add_url(client_a) not in response.text


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"portals": []}, "portals"),
        ({"portals": ["OTHER"]}, "portals"),
        ({"portals": ["999999"]}, "portals"),
        ({"access_expires_on": "2020-01-01"}, "access_expires_on"),
        ({"access_expires_on": "nonsense"}, "access_expires_on"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(
    client, administrator, client_a, portal_a, portal_b, overrides, field, mailoutbox
):
    if overrides.get("portals") == ["OTHER"]:
        overrides = {"portals": [portal_b.pk]}
    elif "portals" not in overrides:
        overrides = {**overrides, "portals": [portal_a.pk]}
    client.force_login(administrator)
    response = client.post(add_url(client_a), payload(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not PortalUser.objects.exists()
    assert not get_user_model().objects.filter(email="jan@alfa.pl").exists()
    assert mailoutbox == []


def test_duplicate_email_is_a_form_error(client, administrator, client_a, portal_a, member):
    client.force_login(administrator)
    response = client.post(
        add_url(client_a), payload(email=member.email.upper(), portals=[portal_a.pk])
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Ta osoba jest już użytkownikiem panelu tego klienta."
    ]
    assert PortalUser.objects.count() == 1


def test_resend_block_unblock(
    client, administrator, client_a, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    invited = PortalUserFactory(client=client_a, portals=[portal_a], activated_at=None)
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(action_url(invited, "resend")).status_code == 302
    assert len(mailoutbox) == 1
    assert client.post(action_url(invited, "block")).status_code == 302
    invited.refresh_from_db()
    assert invited.is_blocked
    assert "Zablokowany" in client.get(users_url(client_a)).text
    assert client.post(action_url(invited, "unblock")).status_code == 302
    invited.refresh_from_db()
    assert not invited.is_blocked
    # GET only asks for confirmation; an unknown action is a 404.
    assert client.get(action_url(invited, "block")).status_code == 200
    invited.refresh_from_db()
    assert not invited.is_blocked
    assert client.post(action_url(invited, "explode")).status_code == 404


def test_resend_to_activated_user_does_nothing(client, administrator, member, mailoutbox):
    client.force_login(administrator)
    page = client.get(action_url(member, "resend"))
    assert [entry["item"] for entry in page.context["items"]] == []
    assert page.context["items_with_no_access"] == [member]
    response = client.post(action_url(member, "resend"))
    assert response.status_code == 302
    assert mailoutbox == []
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


def test_edit_name_expiry_and_portals(client, administrator, client_a, portal_a, portal_a2, member):
    client.force_login(administrator)
    url = staff_urls.portal_user_edit(member.pk)
    assert client.get(url).status_code == 200
    expiry = timezone.localdate() + datetime.timedelta(days=5)
    response = client.post(
        url,
        {
            "first_name": "Maria",
            "last_name": "Nowak",
            "access_expires_on": expiry.isoformat(),
            "portals": [portal_a2.pk],
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.access_expires_on) == (
        "Maria",
        "Nowak",
        expiry,
    )
    assert list(member.portals.all()) == [portal_a2]


def test_edit_keeps_a_past_expiry_but_refuses_a_new_past_one(
    client, administrator, client_a, portal_a
):
    past = timezone.localdate() - datetime.timedelta(days=3)
    expired = PortalUserFactory(client=client_a, portals=[portal_a], access_expires_on=past)
    client.force_login(administrator)
    url = staff_urls.portal_user_edit(expired.pk)
    assert "Wygasły" in client.get(users_url(client_a)).text
    data = {"first_name": "A", "last_name": "B", "portals": [portal_a.pk]}
    assert client.post(url, {**data, "access_expires_on": past.isoformat()}).status_code == 302
    response = client.post(url, {**data, "access_expires_on": "2020-01-01"})
    assert response.status_code == 200 and "access_expires_on" in response.context["form"].errors


def test_delete_portal_user_with_confirmation(client, ado, client_a, member):
    login_id = member.user_id
    client.force_login(ado)
    url = staff_urls.portal_user_delete(member.pk)
    response = client.get(url)
    assert response.status_code == 200 and member.full_name in response.text
    assert "Login tej osoby również zostanie usunięty." in response.text
    assert client.post(url).status_code == 302
    assert not PortalUser.objects.exists()
    assert not get_user_model().objects.filter(pk=login_id).exists()


def test_unknown_portal_user_is_404(client, administrator):
    client.force_login(administrator)
    assert client.post(staff_urls.portal_user_delete(999)).status_code == 404
    assert client.post(staff_urls.portal_user_action("block", 999)).status_code == 404
    assert client.get(reverse("clientportal_portal_users:client", args=[999])).status_code == 404


def test_deleting_a_person_a_colleague_deleted_meanwhile_is_a_message_not_a_500(
    client, ado, client_a, member, monkeypatch
):
    """Issue 15: the row was there when the page loaded, gone when the service locked it."""
    from wagtail_clientportal import services
    from wagtail_clientportal.exceptions import ClientPortalValidationError

    def gone(actor, portal_user):
        raise ClientPortalValidationError("portal_user_gone")

    monkeypatch.setattr(services, "delete_portal_user", gone)
    client.force_login(ado)
    response = client.post(staff_urls.portal_user_delete(member.pk))
    assert response.status_code == 302 and response.url == users_url(client_a)
    [message] = list(response.wsgi_request._messages)
    assert message.level_tag == "error"
