import datetime

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from timeline import editing
from timeline.models import CURATED_MODELS, Citation, DataVersion, DateBasis, Difference, Event, SearchEntry, Source

#: Every table `load_curated` writes: the curated models, the links of events to actors and
#: places, the editors' history of each, and the search index.
LOADED_MODELS = [
    *CURATED_MODELS,
    Event.actors.through,
    Event.places.through,
    Difference.events.through,
    Difference.figures.through,
    *(model.history.model for model in CURATED_MODELS),
    SearchEntry,
]
_curated_rows = []


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_card_cache():
    """Tests roll their data back, and with it the data version: rendered pages and cards must go too,
    and whatever a test did to the cache must not leave it failing for the next."""
    from timeline import health
    from timeline.caching import dates_covered, rendered

    rendered.reset()
    dates_covered.cache_clear()  # data versions repeat, with other data, from one test to the next
    health._failing.clear()
    caches["rendered"].clear()


@pytest.fixture
def curated(db):
    """The curated data as `make run` loads it (`load_curated`: the fixtures and a first
    history entry for every row). Loading takes a second (thousands of natural-key
    look-ups), so the rows it wrote are kept and every later test gets the very same rows."""
    if not _curated_rows:
        call_command("load_curated", verbosity=0)
        _curated_rows.extend((model, list(model.objects.values())) for model in LOADED_MODELS)
        return
    for model, rows in _curated_rows:
        model.objects.bulk_create(model(**row) for row in rows)
    with connection.cursor() as cursor:  # explicit ids do not move PostgreSQL's sequences on
        for sql in connection.ops.sequence_reset_sql(no_style(), LOADED_MODELS):
            cursor.execute(sql)
    DataVersion.bump()  # bulk_create sends no signal; the data did change


@pytest.fixture
def source(db):
    return Source.objects.create(
        slug="test-wire",
        title="Protests spread",
        outlet="Test Times",
        origin="AFP",
        published_on=datetime.date(2022, 1, 6),
        kind=Source.Kind.WIRE,
        seed_file="test.txt",
        rights_holder="Test Times",
        text="Protesters stormed the mayor's office\non Wednesday. Police said 12 people were\n\ndetained.",
    )


@pytest.fixture
def make_event(db, source):
    """Build a published event with one citation of ``source``."""

    def make(slug="storming", date="2022-01-05", quote="Protesters stormed the mayor's office", **fields):
        fields.setdefault("status", Event.Status.PUBLISHED)
        fields.setdefault("category", "violence")
        fields.setdefault("date_basis", DateBasis.RESOLVED)
        fields.setdefault("date_basis_note", "“On Wednesday” in the test wire of Thursday 6 January.")
        event = Event.objects.create(
            slug=slug,
            title=fields.pop("title", slug.title()),
            summary="Summary.",
            date=datetime.date.fromisoformat(date),
            **fields,
        )
        Citation.objects.create(event=event, source=source, quote=quote)
        editing.data_changed(event_ids=[event.pk])  # as loaded data: no editor's change, no public record
        return event

    return make


@pytest.fixture
def editor(db, monkeypatch):
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "a long editor passphrase")
    call_command("create_editor", "ed", email="ed@example.org", noinput=True)
    return User.objects.get(username="ed")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def timeline_chunks(client, query=""):
    """The HTML of every chunk of the (filtered) timeline: the page, then each chunk its
    "more" link loads in place (with htmx: a plain request for ?page=N shows chunks 1 to N)."""
    pages, page = [client.get(f"/?{query}").content.decode()], 1
    while f"page={page + 1}" in pages[-1]:
        page += 1
        pages.append(client.get(f"/?{query}&page={page}", headers={"HX-Request": "true"}).content.decode())
    return pages
