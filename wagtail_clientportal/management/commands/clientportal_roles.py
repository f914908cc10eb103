"""Create (or complete) the staff groups "Administrator" and "ADO"; give "Editors" sharing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from ...staff.roles import ROLES, ensure_roles


class Command(BaseCommand):
    help = 'Create the staff groups "Administrator" and "ADO" and grant "Editors" sharing.'

    def handle(self, *args, **options):
        with transaction.atomic():
            groups = ensure_roles()
        for name in ROLES:
            perms = groups[name].permissions.count()
            self.stdout.write(self.style.SUCCESS(f"{name}: {perms} permissions"))
