"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The live server runs in this process (a thread), so the tests read ``mail.outbox`` and the
database directly. Everything is skipped, with the reason printed by ``pytest -ra``, when
Chromium or Playwright is missing; the accessibility checks also need axe-core
(``npm ci --prefix tests/e2e``). ``CLIENTPORTAL_E2E_REQUIRED=1`` (set by ``.ci/run``)
turns those skips into an error.

``CLIENTPORTAL_SCREENSHOTS=1`` writes the screenshots to ``docs/screenshots/`` (the README
shows them); otherwise they go to a temporary folder. ``CLIENTPORTAL_CHROMIUM`` points
at another Chromium binary.
"""

from __future__ import annotations

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CHROMIUM = os.environ.get("CLIENTPORTAL_CHROMIUM", "/usr/bin/chromium")
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium hangs on refused connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORTAL_PASSWORD = "Zimowy-Las-2026"
STAFF_PASSWORD = "Kancelaria-2026!"
FIRM = "Kancelaria Nowak i Wspólnicy"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the e2e extra is not installed: every browser test is skipped
    expect = sync_playwright = None


PLAYWRIGHT_MISSING = "Playwright not installed (pip install -e '.[e2e]'): browser tests skipped"


def _skip_reason() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not installed ({CHROMIUM}): browser tests skipped"
    if sync_playwright is None:
        return PLAYWRIGHT_MISSING
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    axe_reason = None
    if not AXE_JS.exists():
        axe_reason = (
            "axe-core not installed (npm ci --prefix tests/e2e): accessibility checks skipped"
        )
    if reason and os.environ.get("CLIENTPORTAL_E2E_REQUIRED") == "1":
        # .ci/run sets it: there the browser tests must run.
        raise pytest.UsageError(f"CLIENTPORTAL_E2E_REQUIRED=1 but {reason}")
    here = str(HERE)
    for item in items:
        if not str(item.path).startswith(here):
            continue
        why = reason or (axe_reason if item.get_closest_marker("axe") else None)
        if why and os.environ.get("CLIENTPORTAL_E2E_REQUIRED") == "1":
            # .ci/run sets it: there the browser tests must run.
            raise pytest.UsageError(f"CLIENTPORTAL_E2E_REQUIRED=1 but {why}")
        if why:
            item.add_marker(pytest.mark.skip(reason=why))


def pytest_configure(config):
    config.addinivalue_line("markers", "axe: needs axe-core from tests/e2e/node_modules")


# --- browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def playwright_browser():
    """One Chromium for the whole browser suite, stopped before the rest of the suite goes on.

    Playwright's sync API keeps an event loop in this thread, so Django would refuse ORM
    calls here (SynchronousOnlyOperation); test code and the live server take turns, never
    run at the same time, so the check is lifted for the browser tests only.
    """
    from django.db import connections

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # While Playwright's loop counts as running, Django's connection handler (an asgiref
    # Local) hands out other DatabaseWrapper objects than the ones pytest-django set up,
    # without the copy of the migrated data that serialized_rollback restores: give it to them.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
        # Close those extra connections, or PostgreSQL would refuse to drop the test database.
        for connection in connections.all(initialized_only=True):
            connection.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _browser_test_environment(playwright_browser, settings, live_server):
    settings.WAGTAILCLIENTPORTAL_FIRM_NAME = FIRM
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    settings.WAGTAILCLIENTPORTAL_BASE_URL = live_server.url
    # Portal login throttling counts in the cache: every scenario starts from zero.
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


@pytest.fixture
def new_page(playwright_browser, live_server):
    """``new_page(viewport=PHONE)``: a fresh browser context (own cookies) and its page."""
    contexts = []

    def make(viewport=DESKTOP, **kwargs):
        context = playwright_browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            locale="pl-PL",
            timezone_id="Europe/Warsaw",
            accept_downloads=True,
            **kwargs,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


# --- screenshots ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    if os.environ.get("CLIENTPORTAL_SCREENSHOTS") == "1":
        folder = REPO / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir):
    def take(page, name: str, full_page: bool = True):
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    return take


# --- accessibility ----------------------------------------------------------------------------


# page name -> violations, printed at the end of the run (pytest_terminal_summary).
AXE_RESULTS: dict[str, list[dict]] = {}


def pytest_terminal_summary(terminalreporter):
    if not AXE_RESULTS:
        return
    terminalreporter.section("axe-core violations by impact")
    for name, violations in AXE_RESULTS.items():
        counts = {impact: 0 for impact in ("critical", "serious", "moderate", "minor")}
        for violation in violations:
            counts[violation["impact"] or "minor"] += 1
        ids = ", ".join(sorted({f"{v['id']} ({v['impact']})" for v in violations})) or "-"
        line = " ".join(f"{k}={v}" for k, v in counts.items())
        terminalreporter.write_line(f"{name:<14} {line}  {ids}")


def axe_violations(page, disable: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA and best practices) on the page; its violations.

    ``disable``: rule ids left out (e.g. the page-level landmark rules for an email body,
    which a mail client shows inside its own page).
    """
    # Evaluated through the DevTools protocol: the portal's CSP (no inline script) would
    # block a <script> tag injected into the page, as it should.
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (disable) => {
            const rules = Object.fromEntries(disable.map(id => [id, {enabled: false}]));
            const r = await axe.run(document, {resultTypes: ["violations"], rules});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }""",
        list(disable),
    )
    return result


def record_axe(page, name: str) -> None:
    """Informational: axe on a page the package does not fully own (Wagtail's admin)."""
    if AXE_JS.exists():
        AXE_RESULTS[name] = axe_violations(page)


# --- people and their steps -------------------------------------------------------------------


def code_from_mail(email: str) -> str:
    """The newest six-digit code sent to ``email``."""
    for message in reversed(mail.outbox):
        if email in message.to:
            found = re.search(r"\b(\d{6})\b", message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no code sent to {email}: {[m.subject for m in mail.outbox]}")


def link_from_mail(email: str, kind: str = "activate") -> str:
    """The path of the newest ``/portal/<kind>/...`` link sent to ``email``."""
    for message in reversed(mail.outbox):
        if email in message.to:
            found = re.search(rf"https?://[^/\s]+(/portal/{kind}/\S+/)", message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no {kind} link sent to {email}")


def staff_member(username: str, *groups: str, superuser: bool = False):
    """A staff login with the roles of ``clientportal_roles`` (Administrator, ADO, Editors)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("clientportal_roles", stdout=StringIO())
    first, last = {
        "admin": ("Adam", "Nowak"),
        "ado": ("Olga", "Wiśniewska"),
        "redaktor": ("Roman", "Zieliński"),
    }.get(username, ("Jan", "Kowalski"))
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@kancelaria-nowak.example",
        password=STAFF_PASSWORD,
        first_name=first,
        last_name=last,
        is_superuser=superuser,
        is_staff=superuser,
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    _wagtail_editors_document_permissions()
    return user


def _wagtail_editors_document_permissions() -> None:
    """What Wagtail's own migrations give its "Editors" group, lost when the database is flushed:
    adding, changing and choosing documents in the root collection."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import Collection, GroupCollectionPermission

    editors = Group.objects.get(name="Editors")
    root = Collection.get_first_root_node()
    for codename in ("add_document", "change_document", "choose_document"):
        GroupCollectionPermission.objects.get_or_create(
            group=editors,
            collection=root,
            permission=Permission.objects.get(
                content_type__app_label="wagtaildocs", codename=codename
            ),
        )


def active_portal_user(actor, client, email, first_name, last_name, portals):
    """A portal user who has already activated: password set, codes by email confirmed.

    Created by the same service the admin's "Dodaj użytkownika PK" calls; the activation
    itself is the subject of its own scenario, so here its result is written directly.
    """
    from django_otp.plugins.otp_email.models import EmailDevice

    from wagtail_clientportal import services

    portal_user = services.create_portal_user(
        actor, client, email=email, first_name=first_name, last_name=last_name, portals=portals
    )
    portal_user.activated_at = timezone.now()
    portal_user.save(update_fields=["activated_at"])
    login = portal_user.user
    login.set_password(PORTAL_PASSWORD)
    login.save(update_fields=["password"])
    EmailDevice.objects.create(user=login, name="E-mail", email=login.email, confirmed=True)
    return portal_user


def admin_login(page, username: str):
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url("**/admin/")


TWO_PORTALS_EMAIL = "piotr.zarzad@example.com"


def user_on_two_portals(firm):
    """The sandbox's Piotr: one login on both of the company's portals."""
    return active_portal_user(
        firm.ado,
        firm.client,
        TWO_PORTALS_EMAIL,
        "Piotr",
        "Zarządzający",
        [firm.invoices_portal, firm.documents_portal],
    )


def portal_login(page, email: str, password: str = PORTAL_PASSWORD, on_code_step=None):
    """Email and password, then the code from the email; returns after the code is accepted."""
    page.goto("/portal/")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło").fill(password)
    page.get_by_role("button", name="Dalej").click()
    page.wait_for_url("**/portal/login/code/")
    if on_code_step:
        on_code_step(page)
    page.get_by_role("textbox", name="Kod").fill(code_from_mail(email))
    submit_code(page, email, "Zaloguj się")


def submit_code(page, email: str, button: str) -> None:
    """Send the one-time code form (login or activation)."""
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def firm_with_portals():
    """The sandbox's shape: a company with portals "Faktury" and "Dokumenty", shared items.

    Returns a namespace with the staff, client, portals, documents, invoices and shares.
    """
    from datetime import date
    from decimal import Decimal
    from types import SimpleNamespace

    from tests.factories import ClientFactory, DocumentFactory, InvoiceFactory, SettlementFactory
    from wagtail_clientportal import services

    ado = staff_member("ado", "ADO")
    editor = staff_member("redaktor", "Editors")
    client = ClientFactory(name="Kowalczyk Budownictwo Sp. z o.o.")
    invoices = services.create_portal(ado, client, "Faktury", "Faktury i zestawienia godzin.")
    documents = services.create_portal(ado, client, "Dokumenty", "Umowy, opinie, protokoły.")
    docs = [
        DocumentFactory(title=title)
        for title in (
            "Umowa o świadczenie usług prawnych",
            "Pełnomocnictwo",
            "Opinia prawna – spółka",
        )
    ]
    paid = InvoiceFactory(
        client=client,
        number="FV/2026/11/001",
        net_amount=Decimal("12000.00"),
        vat_amount=Decimal("2760.00"),
        gross_amount=Decimal("14760.00"),
        paid_on=date(2026, 11, 8),
    )
    unpaid = InvoiceFactory(
        client=client,
        number="FV/2026/11/002",
        issue_date=date(2026, 11, 16),
        sale_date=date(2026, 11, 16),
        due_date=date(2026, 11, 30),
        net_amount=Decimal("4850.50"),
        vat_amount=Decimal("1115.62"),
        gross_amount=Decimal("5966.12"),
    )
    hours = SettlementFactory(invoice=unpaid, title="Zestawienie godzin")
    doc_shares = services.share_items(editor, [documents], docs).created
    services.share_items(editor, [invoices], [paid, unpaid, hours])
    return SimpleNamespace(
        ado=ado,
        editor=editor,
        client=client,
        invoices_portal=invoices,
        documents_portal=documents,
        docs=docs,
        doc_shares=doc_shares,
    )
