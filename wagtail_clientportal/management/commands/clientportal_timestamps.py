"""Obtain the RFC 3161 timestamps that are due (run from cron, e.g. every few minutes)."""

from django.core.management.base import BaseCommand

from ... import services


class Command(BaseCommand):
    help = "Ask the time-stamping authority for every pending, due delivery timestamp."

    def handle(self, *args, **options):
        if not services.timestamps.enabled():
            self.stdout.write("timestamps are off (WAGTAILCLIENTPORTAL_TSA_URL is not set)")
            return
        report = services.timestamps.obtain()
        self.stdout.write(
            f"granted: {report['granted']}, retrying: {report['retrying']}, "
            f"failed: {report['failed']}"
        )
