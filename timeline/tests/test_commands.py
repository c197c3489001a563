import re

import pytest
from django.conf import settings
from django.core.management import call_command

from timeline.models import Event, Source

pytestmark = pytest.mark.django_db


def test_load_curated_fills_an_empty_database(capsys):
    call_command("load_curated", verbosity=0)
    assert Source.objects.count() == 5
    assert Event.objects.published().count() > 50


def test_load_curated_never_overwrites_an_edited_database(curated, capsys):
    event = Event.objects.first()
    event.title = "Edited by an editor"
    event.save()
    call_command("load_curated")
    assert "not loaded" in capsys.readouterr().out
    event.refresh_from_db()
    assert event.title == "Edited by an editor"


def test_load_curated_force_replaces_the_data_with_the_fixtures(curated, make_event):
    event = Event.objects.first()
    original = event.title
    event.title = "Edited by an editor"
    event.save()
    make_event(slug="not-in-the-fixtures")
    call_command("load_curated", force=True, verbosity=0)
    assert Event.objects.get(slug=event.slug).title == original
    assert not Event.objects.filter(slug="not-in-the-fixtures").exists()  # loaddata alone would leave it


def test_the_readme_documents_every_variable_the_settings_read():
    settings_source = (settings.BASE_DIR / "timeline" / "settings.py").read_text()
    read = set(re.findall(r'(?:environ\.get|env_flag)\("([A-Z_]+)"', settings_source))
    table = (settings.BASE_DIR / "README.md").read_text().split("## Configuration")[1].split("\n## ")[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.M))
    assert read and read <= documented, read - documented


def test_make_help_lists_every_target():
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.M))
    described = set(re.findall(r"^## ([a-z-]+):", makefile, re.M))
    assert {"run", "test", "test-fast", "help", "lint", "bench", "serve"} <= described == targets
