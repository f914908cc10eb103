"""axe-core on the portal's pages: no serious or critical violation (WCAG 2 A/AA, best practice)."""

import pytest

from tests.factories import ClientFactory
from wagtail_clientportal import services

from .conftest import (
    AXE_RESULTS,
    PORTAL_PASSWORD,
    axe_violations,
    code_from_mail,
    expect,
    firm_with_portals,
    link_from_mail,
    portal_login,
    staff_member,
    submit_code,
    user_on_two_portals,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.axe,
]

BLOCKING = {"serious", "critical"}


def check(page, name: str, failures: list):
    violations = axe_violations(page)
    AXE_RESULTS[name] = violations
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    failures.extend((name, v["impact"], v["id"], v["help"], v["nodes"]) for v in blocking)


def test_portal_pages_have_no_serious_or_critical_violations(page):
    firm = firm_with_portals()
    user_on_two_portals(firm)
    failures: list = []
    page.goto("/portal/")
    check(page, "login", failures)
    portal_login(
        page, "piotr.zarzad@example.com", on_code_step=lambda p: check(p, "code", failures)
    )
    page.wait_for_url("**/portal/choose/")
    check(page, "choice", failures)
    page.goto(f"/portal/p/{firm.documents_portal.pk}/documents/")
    expect(page.locator("ul.item-list > li.item")).to_have_count(3)
    check(page, "documents", failures)
    page.goto(f"/portal/p/{firm.invoices_portal.pk}/invoices/")
    check(page, "invoices", failures)
    page.get_by_role("link", name="FV/2026/11/002", exact=True).click()
    check(page, "item", failures)
    page.get_by_role("link", name="Moje konto").click()
    page.wait_for_url("**/portal/account/")
    check(page, "account", failures)
    assert not failures, "\n".join(map(str, failures))


def test_activation_pages_have_no_serious_or_critical_violations(page):
    ado = staff_member("ado", "ADO")
    portal = services.create_portal(ado, ClientFactory(name="Jan Kowalski"), "Sprawa spadkowa")
    services.create_portal_user(
        ado,
        portal.client,
        email="jan@example.com",
        first_name="Jan",
        last_name="K",
        portals=[portal],
    )
    failures: list = []
    page.goto(link_from_mail("jan@example.com"))
    check(page, "activate", failures)
    page.locator("#id_new_password1").fill(PORTAL_PASSWORD)
    page.locator("#id_new_password2").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Ustaw hasło").click()
    page.wait_for_url("**/portal/setup/")
    check(page, "setup", failures)
    page.get_by_role("button", name="Dalej").click()
    page.wait_for_url("**/portal/setup/verify/")
    check(page, "setup verify", failures)
    page.get_by_role("textbox", name="Kod").fill(code_from_mail("jan@example.com"))
    submit_code(page, "jan@example.com", "Potwierdź")
    expect(page.get_by_role("heading", name="Kody zapasowe")).to_be_visible()
    check(page, "backup codes", failures)
    assert not failures, "\n".join(map(str, failures))


def test_axe_harness_reports_a_known_violation(page):
    """The check above is only worth something if axe really runs: an image without alt."""
    page.set_content('<html lang="pl"><title>t</title><main><img src="data:,"></main></html>')
    assert "image-alt" in {v["id"] for v in axe_violations(page)}
