"""Deliver the outbox now: due queued notifications, and optionally failed or stuck ones.

Run it from cron when the task backend cannot defer retries (the immediate
backend), and by hand after a provider outage::

    manage.py clientportal_send_notifications --failed
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from wagtail_clientportal import conf, notifications
from wagtail_clientportal.notifications import delivery


class Command(BaseCommand):
    help = "Send queued client-portal notifications; --failed re-sends failed ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--failed",
            action="store_true",
            help="Queue failed notifications again (attempts start over) and send them; "
            "login codes are not re-sent.",
        )
        parser.add_argument(
            "--stuck-after",
            type=int,
            default=None,
            help="Seconds after which a notification left 'sending' (its worker died) is "
            "queued again; default WAGTAILCLIENTPORTAL_NOTIFY_STUCK_AFTER.",
        )
        parser.add_argument(
            "--prune-days",
            type=int,
            default=None,
            help="Also delete finished notifications (sent, delivered, bounced, failed…) "
            "created more than this many days ago: the outbox keeps email addresses.",
        )

    def handle(self, *args, failed=False, stuck_after=None, prune_days=None, **options):
        from wagtail_clientportal.models import Notification

        now = timezone.now()
        Status = Notification.Status
        stuck_after = conf.notify_stuck_after() if stuck_after is None else stuck_after
        stuck = Notification.objects.filter(
            status=Status.SENDING, claimed_at__lt=now - datetime.timedelta(seconds=stuck_after)
        ).update(status=Status.QUEUED, claim="", next_attempt_at=now, status_changed_at=now)
        abandoned = close_abandoned_task_results(now - datetime.timedelta(seconds=stuck_after))
        requeued = 0
        if failed:
            # Login codes are left out: their rows never hold the code.
            with transaction.atomic():
                requeued = len(
                    notifications.requeue_failed(Notification.objects.all(), enqueue=False)
                )
        sent = retrying = gave_up = 0
        while True:
            report = delivery.deliver(now=timezone.now())
            sent += len(report.sent)
            retrying += len(report.retrying)
            gave_up += len(report.failed)
            if not (report.sent or report.retrying or report.failed):
                break
        self.stdout.write(
            f"stuck requeued: {stuck}, failed requeued: {requeued}, sent: {sent}, "
            f"retrying: {retrying}, failed: {gave_up}, abandoned tasks closed: {abandoned}"
        )
        if prune_days is not None:
            cutoff = timezone.now() - datetime.timedelta(days=prune_days)
            pruned, _ = (
                Notification.objects.filter(created_at__lt=cutoff)
                .exclude(status__in=[Status.QUEUED, Status.SENDING])
                # Held for a digest: still owed, unless the person is gone.
                .exclude(status=Status.HELD, user__isnull=False)
                .delete()
            )
            self.stdout.write(f"pruned: {pruned}")


def close_abandoned_task_results(started_before) -> int:
    """Mark the package's django-tasks-db results a killed worker left RUNNING as failed.

    Nothing waits for them: a worker takes only READY tasks, and the outbox rows
    such a task had claimed are queued again above (stuck in "sending"). Left
    RUNNING they would stay for ever, since ``prune_db_task_results`` removes only
    finished ones. A worker that was merely slow still writes its real outcome
    when it finishes, and its claims are fenced (``notifications.delivery``).
    """
    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    from wagtail_clientportal.compat import TaskResultStatus
    from wagtail_clientportal.notifications.tasks import send_notifications

    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        task_path=send_notifications.module_path,
        started_at__lt=started_before,
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="wagtail_clientportal.AbandonedTask",
        traceback="Still RUNNING after WAGTAILCLIENTPORTAL_NOTIFY_STUCK_AFTER: "
        "its worker was stopped; its notifications were queued again.",
    )
