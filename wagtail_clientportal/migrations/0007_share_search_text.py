"""The portal's search reads one indexed column instead of six over five joins.

``Share.search_text`` holds the item's title, version label and invoice number,
lower-cased in Python (SQLite's ``lower()`` leaves Polish letters alone). On
PostgreSQL a trigram GIN index (``pg_trgm``, a trusted extension: the database
owner may create it) serves ``search_text LIKE '%…%'``; it is partial, on active
rows, as the portal reads only those. SQLite has no such index and reads the one
column of the portal's rows. The index is not part of the model state, so the
migration runs unchanged on both databases.
"""

from django.db import migrations, models

INDEX = "clientportal_share_search_trgm"


def fill_search_text(apps, schema_editor):
    Share = apps.get_model("wagtail_clientportal", "Share")
    rows = Share.objects.select_related(
        "document", "document_version", "invoice", "settlement", "settlement__invoice"
    ).order_by("pk")
    batch = []
    for share in rows.iterator(chunk_size=2000):
        if share.document_id:
            parts = [share.document.title]
        elif share.document_version_id:
            parts = [share.document_version.title, share.document_version.label]
        elif share.invoice_id:
            parts = [share.invoice.number]
        else:
            parts = [share.settlement.title, share.settlement.invoice.number]
        share.search_text = " ".join(p for p in parts if p).lower()
        batch.append(share)
        if len(batch) == 2000:
            Share.objects.bulk_update(batch, ["search_text"])
            batch = []
    Share.objects.bulk_update(batch, ["search_text"])


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtail_clientportal_share "
        "USING gin (search_text gin_trgm_ops) WHERE revoked_at IS NULL"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_clientportal", "0006_client_contact_person"),
    ]

    operations = [
        migrations.AddField(
            model_name="share",
            name="search_text",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search text"
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
