"""Check a receipt JSON against the stored records; exit status 1 when anything fails."""

import sys

from django.core.management.base import BaseCommand, CommandError

from ... import services


class Command(BaseCommand):
    help = "Verify a delivery receipt (JSON file, or - for standard input)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        result = services.verification.verify_receipt(raw)
        names = ("receipt_intact", "matches_records", "file_matches", "chain_intact")
        for name in (*names, "timestamps_valid"):
            value = getattr(result, name)
            word = {True: "ok", False: "FAILED", None: "not checked"}[value]
            self.stdout.write(f"{name}: {word}")
        for stamp in result.timestamps:
            word = {True: "verified", False: "FAILED", None: "not checked"}[stamp["valid"]]
            detail = f" ({stamp['detail']})" if stamp["detail"] else ""
            self.stdout.write(f"timestamp #{stamp['seq']}: {stamp['status']}, {word}{detail}")
        for problem in result.problems:
            self.stdout.write(f"- {problem}")
        if not result.ok:
            raise CommandError("the receipt does not match the stored records", returncode=1)
        self.stdout.write("verified")
