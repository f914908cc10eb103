"""The package as a whole: migrations, system checks, the wheel, the Polish catalogue."""

import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from wagtail_clientportal.checks import check_document_serving

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wagtail_clientportal"


@pytest.mark.django_db
def test_no_missing_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_direct_document_serving_is_warned_about(settings):
    assert check_document_serving(None) == []
    settings.WAGTAILDOCS_SERVE_METHOD = "direct"
    [warning] = check_document_serving(None)
    assert warning.id == "wagtail_clientportal.W001"
    assert "wagtail_clientportal.W001" in {m.id for m in run_checks()}


def test_polish_catalogue_is_complete_and_compiled():
    po_path = PACKAGE / "locale/pl/LC_MESSAGES/django.po"
    catalogue = polib.pofile(str(po_path))
    assert len(catalogue) > 50
    assert catalogue.untranslated_entries() == [] and catalogue.fuzzy_entries() == []
    assert "nplurals=3" in catalogue.metadata["Plural-Forms"]
    for entry in catalogue:
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == 3 and all(entry.msgstr_plural.values())
    # The compiled file matches the source, entry for entry.
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    assert {e.msgid for e in compiled} == {e.msgid for e in catalogue.translated_entries()}


def test_wheel_carries_templates_static_migrations_and_catalogue(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("wagtail_clientportal-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    print("\n".join(sorted(names)))
    for required in (
        "wagtail_clientportal/migrations/0001_initial.py",
        "wagtail_clientportal/locale/pl/LC_MESSAGES/django.mo",
        "wagtail_clientportal/locale/pl/LC_MESSAGES/django.po",
    ):
        assert required in names
    assert any(n.startswith("wagtail_clientportal/templates/") for n in names)
    assert any(n.startswith("wagtail_clientportal/static/") for n in names)
    assert not any(n.startswith(("tests/", "sandbox/")) for n in names)


def test_portal_base_template_renders_in_polish(rf, settings):
    from django.template.loader import render_to_string
    from django.utils import translation

    from wagtail_clientportal.context_processors import firm

    settings.WAGTAILCLIENTPORTAL_FIRM_NAME = "Kancelaria Nowak"
    with translation.override("pl"):
        html = render_to_string("wagtail_clientportal/portal/base.html", firm(rf.get("/")))
    assert '<html lang="pl">' in html
    assert "Przejdź do treści" in html and "Panel klienta\xa0— Kancelaria Nowak" in html
    assert "<script" not in html  # CSP-friendly: no inline script


def test_process_local_throttle_cache_is_warned_about(settings):
    from wagtail_clientportal.checks import check_throttle_cache

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    [warning] = check_throttle_cache(None)
    assert warning.id == "wagtail_clientportal.W002"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://",
        },
    }
    settings.WAGTAILCLIENTPORTAL_THROTTLE_CACHE = "shared"
    assert check_throttle_cache(None) == []
    settings.DEBUG = True
    settings.WAGTAILCLIENTPORTAL_THROTTLE_CACHE = "default"
    assert check_throttle_cache(None) == []


def test_missing_throttle_cache_is_an_error(settings):
    from wagtail_clientportal.checks import check_throttle_cache

    settings.WAGTAILCLIENTPORTAL_THROTTLE_CACHE = "nowhere"
    [error] = check_throttle_cache(None)
    assert error.id == "wagtail_clientportal.E001"
