"""The ``django.tasks`` task that delivers the outbox (Django's own framework).

On Django 5.2 it is the ``django-tasks`` backport's, with the same API (``compat``).

Wagtail 8's own tasks use the ``django-tasks`` backport, which reads the same
``TASKS`` setting. ``@task`` would build this task with the *default* backend's
task class (the backport's, in a host that keeps Wagtail's tasks on "default"),
which django-tasks-db refuses; so the task is built with ``django.tasks``' own
``Task`` on the package's alias (``WAGTAILCLIENTPORTAL_TASK_BACKEND``).
"""

from __future__ import annotations

from .. import conf
from ..compat import make_task
from . import delivery


def send_notifications(notification_ids: list[int] | None = None) -> dict:
    """Deliver the given notifications (all due ones when None). Safe to run twice."""
    report = delivery.deliver(notification_ids)
    return {
        "sent": len(report.sent),
        "retrying": len(report.retrying),
        "failed": len(report.failed),
    }


# Same name as the function: workers find the task by its import path.
send_notifications = make_task(send_notifications, backend=conf.task_backend())  # type: ignore[assignment]


def send_digests() -> dict:
    """Make today's digests (``digest.make_digests``) and send them. Safe to run twice."""
    from .digest import make_digests

    ids = make_digests()
    report = delivery.deliver(ids) if ids else delivery.DeliveryReport()
    return {"digests": len(ids), "sent": len(report.sent)}


send_digests = make_task(send_digests, backend=conf.task_backend())  # type: ignore[assignment]


def send_password_reset(email: str, known_address: bool = False) -> bool:
    """Look up the address typed into the reset form; queue a reset email if it may have one."""
    from ..services.accounts import send_password_reset as send

    return send(email, known_address)


send_password_reset = make_task(send_password_reset, backend=conf.task_backend())  # type: ignore[assignment]
