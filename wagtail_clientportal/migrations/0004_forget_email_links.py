"""Outbox rows written before links were made at delivery time kept a usable link.

Removing it is enough: a queued row gets a fresh link when it is sent (only the
user is needed), and a sent or failed one can be asked for again.
"""

from django.db import migrations

LINK_KEYS = ("reset_url", "activation_url")
LINK_PATHS = ("/password-reset/", "/activate/")


def holds_link(value) -> bool:
    if isinstance(value, dict):
        return any(holds_link(v) for v in value.values())
    if isinstance(value, list):
        return any(holds_link(v) for v in value)
    return isinstance(value, str) and any(path in value for path in LINK_PATHS)


def forget_links(apps, schema_editor):
    Notification = apps.get_model("wagtail_clientportal", "Notification")
    rows = Notification.objects.filter(kind__in=("password_reset", "activation"))
    for row in rows.only("pk", "context").iterator():
        context = dict(row.context or {})
        cleaned = {
            key: value
            for key, value in context.items()
            if key not in LINK_KEYS and not holds_link(value)
        }
        if cleaned != context:
            Notification.objects.filter(pk=row.pk).update(context=cleaned)


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_clientportal", "0003_shared_document_share_history"),
    ]

    operations = [
        migrations.RunPython(forget_links, migrations.RunPython.noop, elidable=True),
    ]
