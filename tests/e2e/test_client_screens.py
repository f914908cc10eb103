"""The client's screens of issue 11 in a browser, on a desktop and on a 390×844 phone:
several items in one ZIP (ticked, or the whole section), the choice of a daily digest on
the account page, and the digest email itself rendered in the browser. axe-core finds no
violation on any of them, and no page logs a console error."""

import io
import zipfile

import pytest
from django.core import mail

from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import DeliveryEvent, PortalUser
from wagtail_clientportal.notifications import delivery
from wagtail_clientportal.notifications.digest import make_digests
from wagtail_clientportal.services import preferences

from .conftest import (
    PHONE,
    TWO_PORTALS_EMAIL,
    axe_violations,
    expect,
    firm_with_portals,
    portal_login,
    user_on_two_portals,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.axe,
]


def watch_console(page) -> list[str]:
    """Console errors and uncaught exceptions of ``page``, as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


#: Page-level best practices that do not apply to an email body (the mail client's page
#: holds the landmarks and the main heading); every WCAG rule still runs on it.
EMAIL_PAGE_RULES = ("landmark-one-main", "page-has-heading-one", "region")


def no_violations(page, name: str, disable=()) -> None:
    violations = axe_violations(page, disable)
    assert violations == [], (name, violations)


def downloaded_zip(page, click) -> zipfile.ZipFile:
    with page.expect_download() as info:
        click()
    with open(info.value.path(), "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_desktop_selects_the_whole_section_and_chooses_the_digest(page, screenshot):
    firm = firm_with_portals()
    user_on_two_portals(firm)
    errors = watch_console(page)
    portal_login(page, TWO_PORTALS_EMAIL)
    page.goto(f"/portal/p/{firm.documents_portal.pk}/documents/")
    boxes = page.locator("input[name=share]")
    expect(boxes).to_have_count(3)
    whole = page.get_by_label("Zaznacz całą sekcję „Dokumenty” (3 pozycje)")
    whole.check()  # select-all.js ticks every row
    for index in range(3):
        expect(boxes.nth(index)).to_be_checked()
    screenshot(page, "portal-desktop-select-zip")
    no_violations(page, "documents with boxes")
    archive = downloaded_zip(
        page, lambda: page.get_by_role("button", name="Pobierz zaznaczone (ZIP)").click()
    )
    assert len(archive.namelist()) == 3 and archive.testzip() is None
    assert DeliveryEvent.objects.filter(status=DeliveryEvent.Status.COMPLETE).count() == 3

    page.get_by_role("link", name="Moje konto").click()
    page.wait_for_url("**/portal/account/")
    page.get_by_label("Jedno podsumowanie dziennie").check()
    page.get_by_role("button", name="Zapisz wybór").click()
    page.wait_for_url("**/portal/account/")
    expect(page.get_by_text("Nowe pozycje będą zebrane w jednym e-mailu dziennie.")).to_be_visible()
    expect(page.get_by_label("Jedno podsumowanie dziennie")).to_be_checked()
    screenshot(page, "portal-desktop-account-digest")
    no_violations(page, "account with the digest choice")
    assert set(
        PortalUser.objects.filter(user__email=TWO_PORTALS_EMAIL).values_list(
            "notification_preference", flat=True
        )
    ) == {"daily"}
    assert errors == []


def test_phone_ticks_two_items_and_reads_the_digest_email(new_page, screenshot):
    firm = firm_with_portals()
    person = user_on_two_portals(firm)
    preferences.set_notification_preference(person.user, "daily")
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    errors = watch_console(phone)
    portal_login(phone, TWO_PORTALS_EMAIL)
    phone.goto(f"/portal/p/{firm.documents_portal.pk}/documents/")
    boxes = phone.locator("input[name=share]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "phone-portal-select-zip")
    no_violations(phone, "phone documents with boxes")
    archive = downloaded_zip(
        phone, lambda: phone.get_by_role("button", name="Pobierz zaznaczone (ZIP)").click()
    )
    assert len(archive.namelist()) == 2

    # Two sharing actions later, one digest: what the cron's command sends.
    mail.outbox = []
    services.share_items(
        firm.editor, [firm.documents_portal], [DocumentFactory(title="Aneks nr 1")]
    )
    services.share_items(
        firm.editor,
        [firm.documents_portal, firm.invoices_portal],
        [DocumentFactory(title="Protokół z zebrania")],
        message="Prosimy o zapoznanie się z protokołem przed piątkiem.",
    )
    assert mail.outbox == []
    delivery.deliver(make_digests())
    [message] = mail.outbox
    html = message.alternatives[0][0]
    for viewport, name in ((None, "email-digest-desktop"), (PHONE, "email-digest-phone")):
        reader = new_page(viewport=viewport) if viewport else new_page()
        reader.set_content(html)
        expect(reader.get_by_text("Prosimy o zapoznanie się z protokołem")).to_be_visible()
        screenshot(reader, name)
        no_violations(reader, name, EMAIL_PAGE_RULES)
    assert errors == []
