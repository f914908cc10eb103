"""SQLite: an FTS5 trigram index of ``Share.search_text`` for the portal's search.

PostgreSQL has had its trigram GIN index since 0007; this gives SQLite, the
zero-setup default, the same kind of index (``search_index``: the table, the
triggers that keep it in step, and why its answer is only a list of candidates).
Nothing on other databases, and nothing in the model state. Where SQLite lacks
FTS5 or the trigram tokenizer (before 3.34) the migration does nothing and the
search reads the rows, as before.
"""

from django.db import migrations

from wagtail_clientportal import search_index


def install(apps, schema_editor):
    share_table = apps.get_model("wagtail_clientportal", "Share")._meta.db_table
    search_index.install(schema_editor.connection, share_table)


def uninstall(apps, schema_editor):
    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_clientportal", "0018_audit_export_with_files"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
