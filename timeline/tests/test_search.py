"""Full-text search: indexed on SQLite (FTS5) and PostgreSQL (tsvector, GIN), kept in step
with the data, the same results on both (CI runs this file on both)."""

import threading
import time

import pytest
from django.db import connection, transaction

from timeline import editing, search
from timeline.models import Actor, Citation, DataVersion, Event, Place, SearchEntry

pytestmark = pytest.mark.django_db

#: The expression PostgreSQL's GIN index is over (migration 0007), as Django's SearchVector writes it.
WORDS = "to_tsvector('simple'::regconfig, COALESCE(text, ''))"


def found(text, events=None):
    events = Event.objects.published() if events is None else events
    return set(events.search(text).values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Putin’s troops", "putin's TROOPS"),  # typographic quotes and case
        ("Almaty", "ALMATY"),
        ("Zhomart", "zhomárt"),  # accents
        ("Alma-Ata", "alma ata"),  # a hyphenated name is its words
    ],
)
def test_case_accents_and_typographic_quotes_do_not_matter(curated, one, other):
    assert found(one) == found(other) != set()


def test_a_word_finds_the_words_it_begins(curated):
    assert "cabinet-resigns" in found("Tokay")
    assert found("Tokay") == found("Tokayev")


def test_every_word_must_match(curated):
    assert "officials-security-toll" in found("heads cut off")
    assert found("heads zebra") == set()


def test_titles_summaries_quotes_and_every_name_variant_are_searched(curated):
    event = Event.objects.get(slug="cabinet-resigns")
    assert event.slug in found(event.title.split()[0])
    assert "tokayev-appeals-to-csto" in found("Zhomart")  # a variant of Tokayev's name, as TASS spells it
    assert "almaty-ringed-by-checkpoints" in found("armored personnel carriers")  # a quoted passage
    almaty = set(
        Event.objects.published().located_at(Place.objects.filter(slug="almaty")).values_list("slug", flat=True)
    )
    assert almaty <= found("Alma-Ata")  # every event in Almaty, by the name TASS uses


def test_a_search_without_words_finds_nothing(curated):
    assert found('"') == found("—") == set()


def test_the_index_follows_every_change(make_event, source):
    """Every write goes through timeline.editing, which re-indexes the events it concerns."""
    event = make_event(title="Buildings stormed", status=Event.Status.DRAFT)  # a draft's passages change freely
    drafts = Event.objects.filter(status=Event.Status.DRAFT)
    assert found("stormed", drafts) == {event.slug}
    citation = event.citations.get()
    citation.quote = "Police said 12 people were"
    editing.save_curated(citation)
    assert found("detained", drafts) == set() and found("police", drafts) == {event.slug}
    actor = editing.save_curated(Actor(slug="kudebaev", name="Serik Kudebaev", kind="person", aliases=[]))
    editing.save_event(event, write_related=lambda event: event.actors.add(actor))
    assert found("Kudebaev", drafts) == {event.slug}
    actor.aliases = ["Commandant Kudebayev"]
    editing.save_curated(actor)
    assert found("Kudebayev", drafts) == {event.slug}
    editing.save_event(event, write_related=lambda event: event.actors.clear())
    assert found("Kudebaev", drafts) == set()
    editing.delete_curated(citation)
    assert found("police", drafts) == set()
    editing.delete_event(event)
    assert not SearchEntry.objects.filter(event_id=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_event_at_once_both_index_it(make_event):
    """The entry is upserted. With delete-then-insert, a second transaction indexing a new event
    while the first had written but not committed found no row to delete, and its insert failed
    (IntegrityError on PostgreSQL) once the first committed."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite lets one writer at a time: the race cannot happen there")
    event = make_event(title="Buildings stormed")
    SearchEntry.objects.filter(event_id=event.pk).delete()
    first_wrote, errors = threading.Event(), []

    def index(first):
        try:
            if not first:
                first_wrote.wait(10)
            with transaction.atomic():
                search.index_events([event.pk])
                if first:
                    first_wrote.set()
                    time.sleep(0.5)  # the second now deletes nothing and waits on the row: then commit
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=index, args=(first,)) for first in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and found("stormed") == {event.slug}


def test_bulk_writes_index_their_events(curated):
    """generate_events writes with bulk_create, then indexes through editing.data_changed."""
    from django.core.management import call_command

    call_command("generate_events", 3, stdout=None, stderr=None)
    assert len(found("Synthetic event")) == 3


def test_the_index_is_the_engines_own(curated):
    """SQLite answers from its FTS5 table; PostgreSQL from the GIN index over the entries' words."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM timeline_event_fts WHERE timeline_event_fts MATCH 'tokayev'")
            assert cursor.fetchone()[0] == Event.objects.search("Tokayev").count()
        else:
            cursor.execute("SET enable_seqscan = off")  # the test table is small: make the planner show its index
            cursor.execute("EXPLAIN SELECT event_id FROM timeline_searchentry "
                           f"WHERE {WORDS} @@ to_tsquery('simple', 'tokayev:*')")  # fmt: skip
            assert "timeline_searchentry_words" in " ".join(row[0] for row in cursor.fetchall())


def test_a_search_that_finds_nothing_suggests_the_nearest_words(client, curated):
    html = client.get("/?q=Tokaev").content.decode()
    assert 'Did you mean <a href="?q=Tokayev">Tokayev</a>?' in html
    html = client.get("/?q=Tokaev&category=political").content.decode()
    assert 'href="?q=Tokayev&amp;category=political"' in html  # the other filters are kept
    assert "Did you mean" not in client.get("/?q=Tokayev").content.decode()
    assert "Did you mean" not in client.get("/?q=qwxzjv").content.decode()  # nothing near: no suggestion


def test_suggestions_come_from_the_collections_words():
    vocabulary = {"tokayev": "Tokayev", "almaty": "Almaty", "checkpoints": "checkpoints"}
    assert search.suggestions("Tokaev", vocabulary) == "Tokayev"
    assert search.suggestions("Almati checkpoints", vocabulary) == "Almaty checkpoints"
    assert search.suggestions("Almaty", vocabulary) is None  # nothing to correct
    assert search.suggestions("qwxzjv", vocabulary) is None


def test_the_vocabulary_follows_the_data_version(curated):
    before = search.vocabulary(DataVersion.current().number)
    assert "tokayev" in before and before["tokayev"] == "Tokayev"
    actor = editing.save_curated(Actor(slug="new", name="Zhanbolat Nurmukhambetov", kind="person", aliases=[]))
    assert "nurmukhambetov" not in search.vocabulary(DataVersion.current().number)  # no published event names him
    event = Event.objects.published().first()
    editing.save_event(event, note="Actor named.", write_related=lambda event: event.actors.add(actor))
    assert "nurmukhambetov" in search.vocabulary(DataVersion.current().number)


def test_citations_of_a_deleted_event_leave_no_orphan_entry(curated):
    event = Event.objects.get(slug="cabinet-resigns")
    assert Citation.objects.filter(event=event).exists()
    Event.objects.filter(pk=event.pk).delete()
    assert not SearchEntry.objects.filter(event_id=event.pk).exists()
