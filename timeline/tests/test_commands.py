import pytest
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


def test_load_curated_force_reloads(curated):
    event = Event.objects.first()
    original = event.title
    event.title = "Edited by an editor"
    event.save()
    call_command("load_curated", force=True, verbosity=0)
    event.refresh_from_db()
    assert event.title == original
