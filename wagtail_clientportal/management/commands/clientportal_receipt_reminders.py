"""Run daily: one reminder per person per batch before a "confirm by" date, one notice after."""

from django.core.management.base import BaseCommand

from ... import services


class Command(BaseCommand):
    help = "Queue the receipt-confirmation reminders and overdue notices that are due today."

    def handle(self, *args, **options):
        sent = services.receipts.send_reminders()
        self.stdout.write(f"reminders: {sent['reminders']}, overdue notices: {sent['overdue']}")
