"""The version shims (``compat``) behave the same on every supported Django and Python.

The matrix (``noxfile.py``) runs these on Django 5.2, 6.0 and 6.1: each test holds on
every version, and the stand-ins are also compared with Django's own where it has them.
"""

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from wagtail_clientportal import compat

POLICIES = [
    {"default-src": [compat.CSP.NONE], "frame-ancestors": [compat.CSP.NONE]},
    {"script-src": [compat.CSP.SELF, "https://static.example"], "img-src": "data:"},
    {"img-src": {"data:", "'self'", "https://a.example"}, "upgrade-insecure-requests": True},
    {"default-src": ["'self'"], "report-uri": None, "sandbox": False, "style-src": []},
]
EXPECTED = [
    "default-src 'none'; frame-ancestors 'none'",
    "script-src 'self' https://static.example; img-src data:",
    "img-src 'self' data: https://a.example; upgrade-insecure-requests",
    "default-src 'self'",
]


@pytest.mark.parametrize(("policy", "expected"), list(zip(POLICIES, EXPECTED, strict=True)))
def test_csp_header_built_from_the_setting_format(policy, expected):
    assert compat._build_policy(policy) == expected
    assert compat.build_policy(policy) == expected  # Django's own on 6.0+


def test_csp_constants_are_plain_header_values():
    assert f"{compat._CSP.SELF}" == str(compat._CSP.SELF) == "'self'"
    assert str(compat.CSP.HEADER_ENFORCE) == "Content-Security-Policy"
    assert {m.name: str(m) for m in compat._CSP}.items() <= {
        m.name: str(m) for m in compat.CSP
    }.items()


def test_str_enum_members_are_their_values():
    colour = compat._StrEnum("Colour", {"RED": "red"})
    assert colour.RED == "red" and f"{colour.RED}" == "red" and str(colour.RED) == "red"
    assert str(compat.StrEnum("Colour", {"RED": "red"}).RED) == "red"


def _message():
    return EmailMessage("Temat", "Treść", "portal@kancelaria.example", ["klient@example.com"])


def test_mailer_from_mailers_alias_with_its_options(settings):
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
        "portal": {"BACKEND": smtp, "OPTIONS": {"host": "smtp.example", "timeout": 7}},
    }
    connection = compat.mailer("portal")
    assert isinstance(connection, SmtpBackend)
    assert (connection.host, connection.timeout) == ("smtp.example", 7)
    assert isinstance(compat.mailer("default"), LocmemBackend)
    with pytest.raises(ImproperlyConfigured):
        compat.mailer("missing")


def test_send_message_through_the_alias(settings):
    settings.MAILERS = {"portal": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    assert compat.send_message(_message(), "portal") == 1
    assert [m.to for m in mail.outbox] == [["klient@example.com"]]


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")
def test_without_mailers_the_default_is_email_backend(settings):
    """A host on Django 5.2/6.0 that sets only EMAIL_BACKEND (6.1 falls back the same way)."""
    del settings.MAILERS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert isinstance(compat.mailer("default"), LocmemBackend)
    assert compat.send_message(_message(), "default") == 1
    assert len(mail.outbox) == 1


def test_the_package_tasks_run_on_the_framework_that_serves_its_alias():
    """django.tasks on 6.0+, the django-tasks backport on 5.2: never a mix on one alias."""
    from wagtail_clientportal.notifications.tasks import send_notifications

    assert isinstance(send_notifications, compat.Task)
    backend = compat.task_backends[send_notifications.backend]
    assert type(backend).__module__.startswith(compat.TASKS_PACKAGE + ".backends.")
    assert compat.IMMEDIATE_TASK_BACKEND.startswith(compat.TASKS_PACKAGE + ".backends.")
    result = send_notifications.enqueue([])  # the default: immediate, in the test settings
    assert result.status == compat.TaskResultStatus.SUCCESSFUL
