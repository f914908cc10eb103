"""Everything that differs between the Django and Python versions the package supports.

Wagtail 8's range: Django 5.2 LTS, 6.0 and 6.1 on Python 3.10 to 3.13. The rest of the
package imports these names from here and never checks a version itself, so dropping an
old version later means deleting a branch here and nothing else. Each branch detects the
feature (an import), not the version number.

- Email: Django 6.1's ``MAILERS`` aliases (``mail.mailers[alias]``, ``send(using=...)``);
  before 6.1, ``get_connection()`` (``EMAIL_BACKEND``). A host on 5.2 or 6.0 that already
  writes ``MAILERS`` in 6.1's format gets that alias's backend and ``OPTIONS`` through
  ``get_connection()``, so one settings file serves every version.
- Tasks: Django's own ``django.tasks`` (6.0+); on 5.2 the ``django-tasks`` backport that
  Wagtail 8 itself depends on (same API, same ``TASKS`` setting; django-tasks-db runs on
  either).
- Content-Security-Policy: ``django.utils.csp`` (6.0+); before, the same constants and a
  header built from the same dict format (``SECURE_CSP``'s, documented by Django 6.0).
- ORM: ``get_related_populators`` (what ``select_related`` fills rows with, used by
  ``prepared``) takes the queryset's fetch mode from Django 6.1 on.
- Python: ``enum.StrEnum`` is 3.11+.
"""

from __future__ import annotations

import enum

from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db.models.query import get_related_populators

__all__ = [
    "CSP",
    "DUMMY_TASK_BACKEND",
    "HAS_CSP_MIDDLEWARE",
    "HAS_MAILERS",
    "IMMEDIATE_TASK_BACKEND",
    "StrEnum",
    "Task",
    "TaskResultStatus",
    "build_policy",
    "make_task",
    "mailer",
    "related_populators",
    "send_message",
    "task_backends",
]

# -- Python ------------------------------------------------------------------------------


class _StrEnum(str, enum.Enum):
    """Python 3.10's stand-in for 3.11's ``enum.StrEnum``: members are str and print as it."""

    def __str__(self) -> str:
        return str(self.value)

    __format__ = str.__format__


StrEnum = getattr(enum, "StrEnum", _StrEnum)


# -- Tasks -------------------------------------------------------------------------------

try:
    from django.tasks import TaskResultStatus, task_backends
    from django.tasks.base import DEFAULT_TASK_PRIORITY, DEFAULT_TASK_QUEUE_NAME, Task

    TASKS_PACKAGE = "django.tasks"
except ImportError:  # Django < 6.0
    from django_tasks import TaskResultStatus, task_backends
    from django_tasks.base import DEFAULT_TASK_PRIORITY, DEFAULT_TASK_QUEUE_NAME, Task

    TASKS_PACKAGE = "django_tasks"

#: Backend paths for ``TASKS`` of the framework the package's tasks are built with.
IMMEDIATE_TASK_BACKEND = f"{TASKS_PACKAGE}.backends.immediate.ImmediateBackend"
DUMMY_TASK_BACKEND = f"{TASKS_PACKAGE}.backends.dummy.DummyBackend"


def make_task(func, *, backend: str) -> Task:
    """``func`` as a task on the alias ``backend``, every field given.

    Django 6.0's ``Task`` has no defaults for ``priority``, ``queue_name`` and
    ``run_after`` (6.1 and the backport do): the defaults are spelt out here.
    """
    return Task(
        func=func,
        backend=backend,
        priority=DEFAULT_TASK_PRIORITY,
        queue_name=DEFAULT_TASK_QUEUE_NAME,
        run_after=None,
    )


# -- Email -------------------------------------------------------------------------------

HAS_MAILERS = hasattr(mail, "mailers")  # Django 6.1+
DEFAULT_MAILER = "default"


def mailer(alias: str):
    """A new connection of the mailer ``alias`` (``WAGTAILCLIENTPORTAL_MAILER``)."""
    if HAS_MAILERS:
        return mail.mailers[alias]
    configured = getattr(settings, "MAILERS", None)
    if configured is None:
        if alias != DEFAULT_MAILER:
            raise ImproperlyConfigured(
                f"Mailer {alias!r}: before Django 6.1 only 'default' (EMAIL_BACKEND) exists "
                "unless MAILERS is set."
            )
        return mail.get_connection()
    try:
        config = configured[alias]
    except KeyError:
        raise ImproperlyConfigured(f"Mailer {alias!r} is not in MAILERS.") from None
    return mail.get_connection(
        config.get("BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        **config.get("OPTIONS", {}),
    )


def send_message(message, alias: str) -> int:
    """Send one ``EmailMessage`` through the mailer ``alias``."""
    if HAS_MAILERS:
        return message.send(using=alias)
    if not message.recipients():
        return 0
    return mailer(alias).send_messages([message])


# -- Content-Security-Policy -------------------------------------------------------------


class _CSP(StrEnum):
    """The constants of Django 6.0's ``django.utils.csp.CSP`` that a portal policy uses."""

    HEADER_ENFORCE = "Content-Security-Policy"
    HEADER_REPORT_ONLY = "Content-Security-Policy-Report-Only"
    NONE = "'none'"
    REPORT_SAMPLE = "'report-sample'"
    SELF = "'self'"
    STRICT_DYNAMIC = "'strict-dynamic'"
    UNSAFE_EVAL = "'unsafe-eval'"
    UNSAFE_HASHES = "'unsafe-hashes'"
    UNSAFE_INLINE = "'unsafe-inline'"
    WASM_UNSAFE_EVAL = "'wasm-unsafe-eval'"


def _build_policy(config: dict, nonce: str | None = None) -> str:
    """The header value for a ``{directive: values}`` dict, as Django 6.0 builds it.

    ``None``/``False`` drop a directive, ``True`` writes it without values, a set is
    sorted (a stable header), a single value needs no list. No nonces: the portal's
    pages carry no inline script (``nonce`` is accepted for the same signature).
    """
    policy = []
    for directive, values in config.items():
        if values in (None, False):
            continue
        if values is True:
            policy.append(directive)
            continue
        if isinstance(values, set):
            values = sorted(values)
        elif not isinstance(values, list | tuple):
            values = [values]
        if values:
            policy.append(f"{directive} {' '.join(str(v) for v in values)}")
    return "; ".join(policy)


try:
    from django.utils.csp import CSP, build_policy

    HAS_CSP_MIDDLEWARE = True  # django.middleware.csp: a host may set its own policy too
except ImportError:  # Django < 6.0
    CSP, build_policy = _CSP, _build_policy
    HAS_CSP_MIDDLEWARE = False


# -- ORM ---------------------------------------------------------------------------------

try:
    from django.db.models.fetch_modes import FETCH_ONE
except ImportError:  # Django < 6.1: no fetch modes

    def related_populators(klass_info, select, db):
        return get_related_populators(klass_info, select, db)

else:

    def related_populators(klass_info, select, db):
        return get_related_populators(klass_info, select, db, FETCH_ONE)
