"""The whole client path with the Django test client, from the invitation to a download."""

import re

import pytest
from django.core import mail

from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "Zimowy-Las-2026"


def _code_from(outbox, email):
    [message] = [m for m in outbox if m.to == [email] and re.search(r"\b\d{6}\b", m.body)][-1:]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_activation_to_download(
    ado, editor, portal_a, portal_a2, mailoutbox, django_capture_on_commit_callbacks, client
):
    email = "ewa@klient.pl"
    with django_capture_on_commit_callbacks(execute=True):
        services.create_portal_user(
            ado,
            portal_a.client,
            email=email,
            first_name="Ewa",
            last_name="Lis",
            portals=[portal_a, portal_a2],
        )
    document = DocumentFactory(title="Umowa najmu")
    with django_capture_on_commit_callbacks(execute=True):
        [share] = services.share_items(editor, [portal_a], [document]).created
    invitation = [m for m in mailoutbox if m.to == [email]][0]
    link = re.search(r"http://testserver(/portal/activate/\S+/)", invitation.body).group(1)

    # Activation: password, email code, backup codes.
    assert client.get(link).status_code == 200
    response = client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/portal/setup/"
    response = client.post("/portal/setup/", {"method": "email"})
    assert response["Location"] == "/portal/setup/verify/"
    code = _code_from(mailoutbox, email)
    response = client.post("/portal/setup/verify/", {"token": code})
    assert response.status_code == 200
    codes = re.findall(r"<code>(\w+)</code>", response.content.decode())
    assert len(codes) == 10
    # Logged in after activation; log out.
    assert client.get("/portal/choose/").status_code == 200
    client.post("/portal/logout/")
    assert client.get("/portal/choose/").status_code == 302

    # Login: password, then the code emailed automatically.
    mail.outbox.clear()
    response = client.post("/portal/", {"email": "EWA@klient.pl", "password": PASSWORD})
    assert response["Location"] == "/portal/login/code/"
    response = client.get("/portal/login/code/")
    assert response.status_code == 200
    html = response.content.decode()
    device_id = re.search(r'name="device" value="([^"]+)"[^>]*checked', html).group(1)
    assert device_id.startswith("otp_email.")
    code = _code_from(mailoutbox, email)
    response = client.post("/portal/login/code/", {"device": device_id, "token": code})
    assert response["Location"] == "/portal/choose/"

    # Two portals: the choice names them and their client.
    response = client.get("/portal/choose/")
    html = response.content.decode().replace("\xa0", " ")
    assert "Dokumenty" in html and "Faktury" in html and "Alfa Sp. z o.o." in html

    response = client.get(f"/portal/p/{portal_a.pk}/documents/")
    assert response.status_code == 200
    assert "Umowa najmu" in response.content.decode() and "nowe" in response.content.decode()
    response = client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    document.file.open("rb")
    assert body == document.file.read()
    assert AccessEvent.objects.filter(share=share, action="download").count() == 1
    response = client.get(f"/portal/p/{portal_a.pk}/documents/")
    assert "nowe" not in response.content.decode()


def test_backup_code_and_authenticator_setup(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client, settings
):
    """TOTP at activation (QR code from segno), then a backup code at login."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    email = "jan@klient.pl"
    with django_capture_on_commit_callbacks(execute=True):
        services.create_portal_user(
            ado, portal_a.client, email=email, first_name="Jan", last_name="K", portals=[portal_a]
        )
    link = re.search(r"http://testserver(/portal/activate/\S+/)", mailoutbox[-1].body).group(1)
    client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    client.post("/portal/setup/", {"method": "totp"})
    response = client.get("/portal/setup/verify/")
    assert "<svg" in response.content.decode() and "<script" not in response.content.decode()
    device = TOTPDevice.objects.get(user__email=email)
    assert client.post("/portal/setup/verify/", {"token": "000000x"}).status_code == 400
    # django-otp's throttling holds even the right code back for a moment after a wrong one.
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    assert client.post("/portal/setup/verify/", {"token": token}).status_code == 429
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    response = client.post("/portal/setup/verify/", {"token": token})
    codes = re.findall(r"<code>(\w+)</code>", response.content.decode())
    client.post("/portal/logout/")

    client.post("/portal/", {"email": email, "password": PASSWORD})
    html = client.get("/portal/login/code/").content.decode()
    static_id = re.search(r'value="(otp_static\.staticdevice/\d+)"', html).group(1)
    response = client.post("/portal/login/code/", {"device": static_id, "token": codes[0]})
    # One portal: straight in.
    assert client.get(response["Location"])["Location"] == f"/portal/p/{portal_a.pk}/"
    client.post("/portal/logout/")
    client.post("/portal/", {"email": email, "password": PASSWORD})
    # A used backup code does not work twice.
    response = client.post("/portal/login/code/", {"device": static_id, "token": codes[0]})
    assert response.status_code == 400
