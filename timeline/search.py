"""Full-text search over events, indexed on both engines, with the same results on each.

Every event has one ``SearchEntry``: its title, summary, quoted passages and the names
(with every variant) of its actors and places, folded and cut into words here, in Python,
and stored as plain words separated by spaces. Both engines then index those same words:
SQLite in an FTS5 table kept in step with the entries by triggers, PostgreSQL with a GIN
index over their ``to_tsvector('simple', ...)``. A search word matches the words it begins
("tokay" finds "Tokayev"), and every word of a search must match.

The entries are kept in step by timeline.editing, the one way in for every write: it calls
``index_events`` for the events a write concerns, in the write's transaction."""

import collections
import difflib
import functools

from django.apps import apps as django_apps
from django.db import connection
from django.db.models.expressions import RawSQL

from timeline.models import Actor, Place, SearchEntry, Source
from timeline.text import PLAIN, WORD, fold, words

FTS_TABLE = "timeline_event_fts"


def document(event):
    """The words an event is found by (its relations prefetched)."""
    parts = [event.title, event.summary]
    parts += [citation.quote for citation in event.citations.all()]
    parts += [figure.quote for figure in event.figures.all()]
    for entity in (*event.actors.all(), *event.places.all()):
        parts += [entity.name, *entity.aliases]
    return " ".join(words(" ".join(parts)))


def index_events(event_ids, apps=None):
    """(Re)write the search entries of the given events, in batches. A migration passes
    its ``apps``, so that the models are those of its moment."""
    Event = (apps or django_apps).get_model("timeline", "Event")
    SearchEntry = (apps or django_apps).get_model("timeline", "SearchEntry")
    event_ids = list(event_ids)
    for start in range(0, len(event_ids), 1000):
        batch = event_ids[start : start + 1000]
        events = Event.objects.filter(pk__in=batch).prefetch_related("citations", "figures", "actors", "places")
        entries = [SearchEntry(event_id=event.pk, text=document(event)) for event in events]
        # An upsert (INSERT ... ON CONFLICT DO UPDATE on both engines): two saves of one event at
        # once both succeed, where delete-then-insert made the later one fail on PostgreSQL.
        SearchEntry.objects.bulk_create(entries, update_conflicts=True, unique_fields=["event"], update_fields=["text"])


def matching(events, text):
    """``events`` narrowed to those matching every word of ``text``; none if it has no word."""
    terms = words(text)
    if not terms:
        return events.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector  # needs psycopg

        query = SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple")
        found = SearchEntry.objects.annotate(vector=SearchVector("text", config="simple")).filter(vector=query)
        return events.filter(pk__in=found.values("event_id"))
    fts_query = " AND ".join(f'"{term}"*' for term in terms)  # terms are letters and digits only
    found = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts_query])
    return events.filter(pk__in=found)


def suggestions(text, vocabulary, limit=1):
    """For a search that found nothing, the closest search the collection could answer:
    each unknown word replaced by the nearest word of ``vocabulary`` ({folded word: as
    written}), or None when no word is near. "Tokaev" gives "Tokayev"."""
    changed, suggestion = False, []
    for word in text.split():
        terms = words(word)
        known = all(any(v.startswith(term) for v in vocabulary) for term in terms)
        if known or not terms:
            suggestion.append(word)
            continue
        close = difflib.get_close_matches("".join(terms), vocabulary, n=limit, cutoff=0.75)
        if not close:
            return None
        suggestion.append(vocabulary[close[0]])
        changed = True
    return " ".join(suggestion) if changed else None


@functools.lru_cache(maxsize=2)
def vocabulary(data_version):
    """{folded word: as the collection writes it} for every word of the public articles and of
    the names of public actors and places (every quote is a passage of an article): what a search
    that found nothing can be pointed to. Keyed by the data version; numbers and words of
    fewer than three letters left out."""
    texts = [*Source.objects.public().values_list("text", flat=True)]
    for model in (Actor, Place):
        for name, aliases in model.objects.public().values_list("name", "aliases"):
            texts += [name, *aliases]
    written = collections.Counter(w for text in texts for w in WORD.findall(text.translate(PLAIN)))
    found = {}
    for word, _ in written.most_common():  # the commonest spelling of each word wins
        folded = fold(word)
        if len(folded) >= 3 and not folded.isdigit():
            found.setdefault(folded, word)
    return found
