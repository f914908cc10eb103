"""The sandbox's demo for a newcomer: its port, its console mailer, load_demo's output."""

import importlib
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from sandbox.sandbox import mail as sandbox_mail
from sandbox.sandbox.demo.management.commands import load_demo

MAILER = "sandbox.sandbox.mail.EmailBackend"


@pytest.mark.parametrize(
    ("env", "base_url"),
    [
        ({}, "http://localhost:8000"),
        ({"SANDBOX_PORT": "8123"}, "http://localhost:8123"),
        (
            {"SANDBOX_PORT": "8123", "SANDBOX_BASE_URL": "https://demo.example"},
            "https://demo.example",
        ),
    ],
)
def test_sandbox_base_url_follows_the_port(monkeypatch, env, base_url):
    monkeypatch.delenv("SANDBOX_PORT", raising=False)
    monkeypatch.delenv("SANDBOX_BASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sandbox_settings = importlib.reload(importlib.import_module("sandbox.sandbox.settings"))
    assert sandbox_settings.WAGTAILADMIN_BASE_URL == base_url
    # Offline machines: no Gravatar, no update check.
    assert sandbox_settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
    assert sandbox_settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    backend = (
        sandbox_settings.MAILERS["default"]["BACKEND"]
        if hasattr(sandbox_settings, "MAILERS")
        else sandbox_settings.EMAIL_BACKEND  # Django 5.2 and 6.0
    )
    assert backend == "sandbox.mail.EmailBackend"


def test_console_mailer_prints_the_text_decoded():
    link = "http://localhost:8123/portal/activate/Nw/" + "d" * 70 + "/"
    message = mail.EmailMultiAlternatives(
        "Zaproszenie — Kancelaria", f"Dzień dobry,\nlink: {link}\n", to=["ewa@klient.pl"]
    )
    message.attach_alternative(f'<a href="{link}">Aktywuj</a>', "text/html")
    stream = StringIO()
    sandbox_mail.EmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert "Subject: Zaproszenie — Kancelaria" in printed
    assert "Dzień dobry," in printed and f"link: {link}\n" in printed
    assert "=C5" not in printed and "=\n" not in printed and "[text/html version" in printed


@pytest.mark.django_db
def test_load_demo_prints_logins_then_emails_with_a_working_activation_link(settings, client):
    settings.MAILERS = {"default": {"BACKEND": MAILER}}
    out = StringIO()
    call_command(load_demo.Command(), stdout=out)
    printed = out.getvalue()
    logins = printed.index("hasło / password")
    emails = printed.index("E-maile wysłane przez demo")
    assert logins < emails and "Subject:" not in printed[:emails]
    # The first activation link, exactly as printed, opens the activation page.
    first = re.search(r"^.*/portal/activate/.*$", printed[emails:], re.M).group(0)
    url = re.search(r"https?://\S+", first).group(0)
    assert url.startswith(settings.WAGTAILADMIN_BASE_URL + "/portal/activate/")
    page = client.get(url)
    assert page.status_code == 200 and load_demo.INVITED[0] in page.content.decode()
    assert 'name="new_password1"' in page.content.decode()

    # Run again: the invited person gets a new link, the demo state comes back.
    again = StringIO()
    call_command(load_demo.Command(), stdout=again)
    assert again.getvalue().count("/portal/activate/") == 1


def test_sandbox_home_page_links_admin_and_portal():
    from django.template import engines

    path = "sandbox/sandbox/demo/templates/wagtailcore/page.html"
    with open(path, encoding="utf-8") as template:
        html = engines["django"].from_string(template.read()).render({})
    assert f'href="{reverse("wagtailadmin_home")}"' in html
    assert f'href="{reverse("wagtail_clientportal:login")}"' in html
    assert "Welcome to your new Wagtail site" not in html
