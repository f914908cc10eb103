"""Delete what the retention settings say is too old (run ``--dry-run`` first, then cron).

Prints one line per kind: how many rows (or files) are, or would be, deleted, and the
period that applies. Portals under a legal hold keep everything; delivery records are
only ever deleted when ``WAGTAILCLIENTPORTAL_RETENTION_DELIVERY_DAYS`` is set.
"""

from django.core.management.base import BaseCommand

from ...services import retention


class Command(BaseCommand):
    help = "Enforce the retention settings: delete old access events, notifications, exports."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be deleted; change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        held = len(retention.held_portal_ids())
        verb = "would delete" if dry_run else "deleted"
        for report in retention.enforce(dry_run=dry_run):
            if not report.enabled:
                self.stdout.write(f"{report.kind}: kept for ever (no retention period set)")
                continue
            self.stdout.write(
                f"{report.kind}: {verb} {report.count} (older than {report.days} days)"
            )
        self.stdout.write(f"portals under legal hold (kept whole): {held}")
