"""Load the sandbox's demo data; running it again resets it to the demo state.

What a visitor changed is put back: revoked demo shares are shared again (their
users are emailed again) and the invited person is invited anew, so every run
prints a fresh activation link. Anything else a visitor added stays.

Whatever the package has a service for (portals, portal users, document versions,
shares) goes through ``wagtail_clientportal.services`` with the admin as the acting
user, as a host's own code should. The ORM is used only where no service exists:
staff accounts and groups, clients, invoices, settlements, Wagtail documents, and
the demo-only activation of portal users. Every object is looked up before it is
created, which is what makes the command idempotent.
"""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice
from wagtail.documents import get_document_model
from wagtail.models import Collection

from wagtail_clientportal import conf, services
from wagtail_clientportal.models import (
    Client,
    DocumentVersion,
    Invoice,
    Portal,
    PortalUser,
    Settlement,
    Share,
)
from wagtail_clientportal.notifications.delivery import deliver

from ....mail import hold
from ...pdf import make_pdf

STAFF_PASSWORD = "demo-haslo-2026"
PORTAL_PASSWORD = "klient-haslo-2026"
# Fixed so the printed instructions can name them; each code works once.
BACKUP_CODES = ("11112222", "33334444", "55556666")
VAT_RATE = Decimal("0.23")

# Left invited (not activated): the activation email printed by load_demo is hers.
INVITED = ("katarzyna.nowa@example.com", "Katarzyna", "Nowa")

# username, first name, last name, group, superuser
STAFF = [
    ("admin", "Adam", "Nowak", "Administrator", True),
    ("ado", "Olga", "Wiśniewska", "ADO", False),
    ("redaktor", "Roman", "Zieliński", "Editors", False),
]


def ensure_staff_roles() -> dict[str, Group]:
    """The firm's staff groups, made by the package's own ``clientportal_roles`` command."""
    call_command("clientportal_roles", stdout=StringIO())
    return {name: Group.objects.get(name=name) for name in ("Administrator", "ADO", "Editors")}


def ensure_staff(groups: dict[str, Group]):
    """Create the staff logins once; an existing account keeps its password."""
    User = get_user_model()
    for username, first_name, last_name, group, superuser in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@kancelaria-nowak.example",
                "first_name": first_name,
                "last_name": last_name,
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(STAFF_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(groups[group])
    return User.objects.get(username="admin")


def ensure_client(**fields) -> Client:
    client = Client.objects.filter(name=fields["name"]).first()
    if client is None:
        client = Client(**fields)
        client.full_clean()  # NIP, REGON and PESEL checksums are validators: save() skips them
        client.save()
    return client


def ensure_portal(actor, client: Client, name: str, description: str) -> Portal:
    portal = Portal.objects.filter(client=client, name=name).first()
    return portal or services.create_portal(actor, client, name, description)


def ensure_portal_user(actor, client, email, first_name, last_name, portals) -> PortalUser:
    portal_user = PortalUser.objects.filter(client=client, user__email__iexact=email).first()
    if portal_user is None:
        portal_user = services.create_portal_user(
            actor, client, email=email, first_name=first_name, last_name=last_name, portals=portals
        )
    activate_for_demo(portal_user)
    return portal_user


def ensure_invited(actor, client, email, first_name, last_name, portals) -> PortalUser:
    """The invited person, with an activation email sent by this run.

    Still invited: the link is sent again. Activated meanwhile (a visitor tried the
    flow): she is deleted and invited again, so the demo starts from the email.
    """
    portal_user = PortalUser.objects.filter(client=client, user__email__iexact=email).first()
    if portal_user is not None and portal_user.activated_at is None:
        return services.send_activation(actor, portal_user)
    if portal_user is not None:
        services.delete_portal_user(actor, portal_user)
    return services.create_portal_user(
        actor, client, email=email, first_name=first_name, last_name=last_name, portals=portals
    )


def activate_for_demo(portal_user: PortalUser) -> None:
    """Demo shortcut: make the person able to log in right away.

    The real activation flow (e-mailed link, own password, OTP setup) belongs to
    the portal; here the fields it would fill are written directly.
    """
    login = portal_user.user
    if portal_user.activated_at is None:
        portal_user.activated_at = timezone.now()
        portal_user.save(update_fields=["activated_at"])
    if not login.has_usable_password():
        login.set_password(PORTAL_PASSWORD)
        login.save(update_fields=["password"])
    EmailDevice.objects.get_or_create(
        user=login, name="E-mail", defaults={"email": login.email, "confirmed": True}
    )
    backup, created = StaticDevice.objects.get_or_create(
        user=login, name="Kody zapasowe", defaults={"confirmed": True}
    )
    if created:
        for code in BACKUP_CODES:
            backup.token_set.create(token=code)


def ensure_document(title: str, filename: str, uploaded_by):
    Document = get_document_model()
    root = Collection.get_first_root_node()
    document = Document.objects.filter(title=title, collection=root).first()
    if document is None:
        document = Document(title=title, collection=root, uploaded_by_user=uploaded_by)
        document.file = ContentFile(make_pdf(title, conf.firm_name()), name=filename)
        document.save()
        document.get_file_size()  # store size and hash, as Wagtail's upload form does
        document.get_file_hash()
    return document


def ensure_invoice(client: Client, number: str, net: str, issued: date, paid: bool) -> Invoice:
    invoice = Invoice.objects.filter(number=number).first()
    if invoice is None:
        net_amount = Decimal(net)
        vat_amount = (net_amount * VAT_RATE).quantize(Decimal("0.01"))
        gross = net_amount + vat_amount
        invoice = Invoice(
            client=client,
            number=number,
            issue_date=issued,
            sale_date=issued,
            due_date=issued + timedelta(days=14),
            net_amount=net_amount,
            vat_amount=vat_amount,
            gross_amount=gross,
            paid_on=issued + timedelta(days=6) if paid else None,
        )
        lines = (f"Faktura VAT {number}", f"Nabywca: {client.name}", f"Do zapłaty: {gross} PLN")
        invoice.pdf = ContentFile(make_pdf(*lines), name=number.replace("/", "-") + ".pdf")
        invoice.full_clean()
        invoice.save()
    return invoice


def ensure_settlement(invoice: Invoice, title: str) -> Settlement:
    settlement = Settlement.objects.filter(invoice=invoice, title=title).first()
    if settlement is None:
        pdf = make_pdf(title, f"Załącznik do faktury {invoice.number}")
        name = f"zestawienie-{invoice.number.replace('/', '-')}.pdf"
        settlement = Settlement.objects.create(
            invoice=invoice, title=title, file=ContentFile(pdf, name=name)
        )
    return settlement


def ensure_version(actor, document, label: str) -> DocumentVersion:
    version = DocumentVersion.objects.filter(document=document, label=label).first()
    return version or services.snapshot_document(actor, document, label)


class Command(BaseCommand):
    help = "Load the demo data of the sandbox; run again, it resets the demo state."

    COUNTED = [Group, Client, Portal, PortalUser, DocumentVersion, Invoice, Settlement, Share]

    def handle(self, *args, **options):
        counted = [get_user_model(), get_document_model(), *self.COUNTED]
        before = {model: model.objects.count() for model in counted}
        # The emails are printed after the logins, not 600 lines above them.
        with hold() as emails:
            with transaction.atomic():
                self.load()
            # What is due now, also where the task backend waits for a worker.
            deliver()
        after = {model: model.objects.count() for model in counted}
        added = {m: after[m] - before[m] for m in counted if after[m] != before[m]}
        if added:
            summary = ", ".join(f"{m._meta.verbose_name_plural}: +{n}" for m, n in added.items())
            self.stdout.write(self.style.SUCCESS(f"Dodano / added: {summary}"))
        else:
            self.stdout.write(self.style.SUCCESS("Dane demo już są / demo data already loaded."))
        self.print_logins()
        self.print_emails(emails)

    def load(self) -> None:
        admin = ensure_staff(ensure_staff_roles())

        company = ensure_client(
            name="Budimex-Test Sp. z o.o.",
            kind=Client.Kind.COMPANY,
            nip="5260250274",
            regon="012100784",
            email="biuro@budimex-test.example",
            phone="+48 22 123 45 67",
            address="ul. Siedmiogrodzka 9\n01-204 Warszawa",
        )
        person = ensure_client(
            name="Jan Kowalski",
            kind=Client.Kind.PERSON,
            pesel="44051401359",
            email="jan.kowalski@example.com",
            address="ul. Długa 5 m. 3\n00-238 Warszawa",
        )

        invoices_portal = ensure_portal(admin, company, "Faktury", "Faktury i zestawienia godzin.")
        documents_portal = ensure_portal(admin, company, "Dokumenty", "Umowy, opinie, protokoły.")
        estate_portal = ensure_portal(admin, person, "Sprawa spadkowa", "Postępowanie spadkowe.")

        anna = ("anna.ksiegowa@example.com", "Anna", "Księgowa")
        piotr = ("piotr.zarzad@example.com", "Piotr", "Zarządzający")
        maria = ("maria.wspolna@example.com", "Maria", "Wspólna")
        ensure_portal_user(admin, company, *anna, [invoices_portal])
        ensure_portal_user(admin, company, *piotr, [invoices_portal, documents_portal])
        # One person, one login, two clients: the second call reuses her login.
        ensure_portal_user(admin, company, *maria, [documents_portal])
        ensure_portal_user(admin, person, *maria, [estate_portal])
        ensure_invited(admin, company, *INVITED, [documents_portal])

        contract = ensure_document("Umowa o świadczenie usług prawnych", "umowa-uslugi.pdf", admin)
        power = ensure_document("Pełnomocnictwo", "pelnomocnictwo.pdf", admin)
        opinion = ensure_document("Opinia prawna – spółka", "opinia-prawna-spolka.pdf", admin)
        minutes = ensure_document(
            "Protokół ze zgromadzenia wspólników", "protokol-zgromadzenia.pdf", admin
        )
        signed = ensure_version(admin, contract, "v1 – podpisana")

        paid = ensure_invoice(company, "FV/2026/11/001", "12000.00", date(2026, 11, 2), paid=True)
        open_ = ensure_invoice(company, "FV/2026/11/002", "4850.50", date(2026, 11, 16), paid=False)
        estate = ensure_invoice(person, "FV/2026/11/003", "1500.00", date(2026, 11, 20), paid=False)
        hours = ensure_settlement(open_, "Zestawienie godzin")

        # share_items is idempotent: what is already shared stays as it is.
        services.share_items(admin, [documents_portal], [opinion, minutes, signed])
        services.share_items(admin, [invoices_portal], [paid, open_, hours])
        services.share_items(admin, [estate_portal], [estate, power])

    def print_logins(self) -> None:
        base = settings.WAGTAILADMIN_BASE_URL
        out = self.stdout.write
        out("")
        out(self.style.MIGRATE_HEADING(f"Panel kancelarii (Wagtail admin): {base}/admin/"))
        for username, first_name, last_name, group, _ in STAFF:
            out(f"  {username:<10} {first_name} {last_name} ({group})")
        out(f"  hasło / password: {STAFF_PASSWORD}")
        out("")
        out(self.style.MIGRATE_HEADING(f"Panel klienta (portal): {base}/portal/"))
        for portal_user in PortalUser.objects.select_related("user", "client").order_by("user_id"):
            names = ", ".join(p.name for p in portal_user.portals.order_by("name"))
            invited = "" if portal_user.activated_at else " (zaproszona / invited: link below)"
            out(f"  {portal_user.email:<28} {portal_user.client.name}: {names}{invited}")
        out(f"  hasło / password: {PORTAL_PASSWORD}")
        out("  kod jednorazowy: w konsoli serwera (e-mail) / one-time code: printed by runserver")
        out(f"  kody zapasowe / backup codes (each works once): {', '.join(BACKUP_CODES)}")

    def print_emails(self, emails: list[str]) -> None:
        out = self.stdout.write
        out("")
        out(self.style.MIGRATE_HEADING(f"E-maile wysłane przez demo / emails sent ({len(emails)})"))
        for text in emails:
            out(text, ending="")
