"""The package's migrations name no model of the test project: a host project has its
own document model (``WAGTAILDOCS_DOCUMENT_MODEL``) and no ``testapp``."""

from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent.parent / "wagtail_clientportal" / "migrations"


def test_no_migration_depends_on_the_test_project():
    for migration in sorted(MIGRATIONS.glob("0*.py")):
        assert "testapp" not in migration.read_text(encoding="utf-8"), migration.name
