"""Passkeys in a real Chromium: its virtual authenticator (DevTools protocol ``WebAuthn``)
creates the passkey on the account page and answers the logins, through the portal's
static script under the portal's CSP. Any console error (a CSP refusal shows as one) fails.

WebAuthn needs a secure context and a domain as relying party: pytest-django's live server
is ``http://localhost:<port>``, tests/settings.py sets ``OTP_WEBAUTHN_RP_ID = "localhost"``
and each test allows the live server's origin.
"""

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from .conftest import (
    AXE_RESULTS,
    PORTAL_PASSWORD,
    active_portal_user,
    axe_violations,
    expect,
    firm_with_portals,
    portal_login,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.axe,
]

EMAIL = "anna.ksiegowa@example.com"


@pytest.fixture
def passkey_page(page, settings, live_server):
    """A page with a virtual platform authenticator (user verification: yes) and a list
    of the console errors and uncaught exceptions seen on it."""
    assert live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.console_errors = errors
    yield page
    assert not errors, errors


def no_violations(page, name: str):
    violations = axe_violations(page)
    AXE_RESULTS[name] = violations
    assert not violations, (name, violations)


def log_out(page):
    page.get_by_role("button", name="Wyloguj").click()
    page.wait_for_url("**/portal/")


def add_passkey(page, name: str):
    page.goto("/portal/account/")
    expect(page.get_by_text("Nie mają Państwo jeszcze klucza dostępu.")).to_be_visible()
    page.get_by_role("link", name="Dodaj klucz dostępu").click()
    page.wait_for_url("**/portal/account/passkeys/add/")
    no_violations(page, "passkey add")
    page.get_by_label("Nazwa klucza dostępu").fill(name)
    page.get_by_label("Hasło").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Dalej").click()
    create = page.get_by_role("button", name="Utwórz klucz dostępu")
    expect(create).to_be_visible()  # shown by the static script: WebAuthn is there
    no_violations(page, "passkey create")
    create.click()
    page.wait_for_url("**/portal/account/")


def test_add_a_passkey_then_log_in_with_it(passkey_page, settings, screenshot):
    page = passkey_page
    firm = firm_with_portals()
    person = active_portal_user(
        firm.ado, firm.client, EMAIL, "Anna", "Księgowa", [firm.invoices_portal]
    )
    portal_login(page, EMAIL)
    page.wait_for_url(f"**/portal/p/{firm.invoices_portal.pk}/**")
    add_passkey(page, "Laptop biurowy")
    expect(page.get_by_text("Klucz dostępu został dodany.")).to_be_visible()
    row = page.locator("table.passkeys tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Laptop biurowy")
    expect(row).to_contain_text("nigdy")
    no_violations(page, "account passkeys")
    screenshot(page, "portal-account-passkeys")
    credential = WebAuthnCredential.objects.get(user=person.user)
    assert credential.discoverable is True

    # The second step after the password: the passkey instead of the emailed code.
    log_out(page)
    page.get_by_label("Adres e-mail").fill(EMAIL)
    page.get_by_label("Hasło").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Dalej").click()
    page.wait_for_url("**/portal/login/code/")
    use = page.get_by_role("button", name="Użyj klucza dostępu")
    expect(use).to_be_visible()
    no_violations(page, "code + passkey")
    screenshot(page, "portal-login-passkey")
    use.click()
    page.wait_for_url(f"**/portal/p/{firm.invoices_portal.pk}/**")
    credential.refresh_from_db()
    assert credential.last_used_at is not None

    # Off by default: the login page offers no passkey-only login.
    log_out(page)
    expect(page.get_by_role("button", name="Zaloguj się kluczem dostępu")).to_have_count(0)

    # The firm enables it: the passkey alone (with the device's user verification).
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    page.goto("/portal/")
    alone = page.get_by_role("button", name="Zaloguj się kluczem dostępu")
    expect(alone).to_be_visible()
    no_violations(page, "login + passkey")
    alone.click()
    page.wait_for_url(f"**/portal/p/{firm.invoices_portal.pk}/**")
    expect(page.get_by_role("link", name="Moje konto")).to_be_visible()


def test_removing_the_passkey(passkey_page):
    page = passkey_page
    firm = firm_with_portals()
    active_portal_user(firm.ado, firm.client, EMAIL, "Anna", "Księgowa", [firm.invoices_portal])
    portal_login(page, EMAIL)
    page.wait_for_url(f"**/portal/p/{firm.invoices_portal.pk}/**")
    add_passkey(page, "Telefon")
    page.get_by_role("link", name="Usuń klucz dostępu „Telefon”").click()
    no_violations(page, "passkey remove")
    page.get_by_label("Hasło").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Usuń klucz dostępu").click()
    page.wait_for_url("**/portal/account/")
    expect(page.get_by_text("Klucz dostępu został usunięty.")).to_be_visible()
    assert not WebAuthnCredential.objects.exists()
