"""Send the daily digests: one email per person who chose the digest, listing what was
shared since their last one (``notifications.digest``). Run it once a day from cron::

    0 7 * * *  manage.py clientportal_send_digests

Safe to run twice, or on two machines at once: a person gets at most one digest a
day, and an item held back by a concurrent run goes in the next day's digest.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wagtail_clientportal.notifications import delivery
from wagtail_clientportal.notifications.digest import make_digests


class Command(BaseCommand):
    help = "Send the daily digest of new client-portal items to those who chose it."

    def handle(self, *args, **options):
        ids = make_digests()
        # Each digest was also asked of the task backend on commit: deliver() claims
        # its rows, so whichever comes second sends nothing.
        report = delivery.deliver(ids) if ids else delivery.DeliveryReport()
        self.stdout.write(
            f"digests: {len(ids)}, sent: {len(report.sent)}, "
            f"retrying: {len(report.retrying)}, failed: {len(report.failed)}"
        )
