"""Full-text search over events, indexed on both engines, with the same results on each.

Every event has one ``SearchEntry``: its title, summary, quoted passages and the names
(with every variant) of its actors and places, folded and cut into words here, in Python,
and stored as plain words separated by spaces. Both engines then index those same words:
SQLite in an FTS5 table kept in step with the entries by triggers, PostgreSQL with a GIN
index over their ``to_tsvector('simple', ...)``. A search word matches the words it begins
("tokay" finds "Tokayev"), and every word of a search must match.

The entries are kept in step by signals (see ``connect_search_index``): any save or delete
of an event, a citation, a figure, or of an actor or place an event involves, re-indexes
the events concerned. Bulk writes call ``index_events`` themselves."""

import collections
import contextlib
import difflib
import functools
import threading

from django.apps import apps as django_apps
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from timeline.models import Actor, Citation, Event, Figure, Place, SearchEntry, Source
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
        SearchEntry.objects.filter(event_id__in=batch).delete()
        SearchEntry.objects.bulk_create(entries)


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


_pending = threading.local()


@contextlib.contextmanager
def indexing_deferred():
    """Within the block, the changes that signal re-indexing are collected and their events
    indexed once, at its end: loading fixtures or importing a document saves each event's
    citations one by one, and re-indexing the event after each would be wasted work."""
    outermost = getattr(_pending, "ids", None) is None
    if outermost:
        _pending.ids = set()
    try:
        yield
        if outermost:
            index_events(_pending.ids)
    finally:
        if outermost:
            _pending.ids = None


def _reindex(event_ids):
    if getattr(_pending, "ids", None) is not None:
        _pending.ids.update(event_ids)
    else:
        index_events(event_ids)


def _reindex_saved_event(sender, instance, **kwargs):
    _reindex([instance.pk])


def _reindex_event_of(sender, instance, origin=None, **kwargs):
    """A citation or figure changed. Not when it goes because its event does: the event's
    entry goes with it, and re-indexing the event mid-deletion would leave an orphan."""
    origin_model = origin.model if isinstance(origin, QuerySet) else type(origin)
    if origin_model is not Event:
        _reindex([instance.event_id])


def _reindex_linked_events(sender, instance, action, reverse, pk_set, **kwargs):
    """An event's actors or places changed (from either side of the link)."""
    if not reverse:
        if action.startswith("post_"):
            _reindex([instance.pk])
    elif action == "pre_clear":
        instance._events_to_reindex = list(instance.events.values_list("pk", flat=True))
    elif action == "post_clear":
        _reindex(instance._events_to_reindex)
    elif action.startswith("post_"):
        _reindex(pk_set)


def _remember_events_involving(sender, instance, **kwargs):
    instance._events_to_reindex = list(instance.events.values_list("pk", flat=True))


def _reindex_events_involving(sender, instance, **kwargs):
    """An actor's or place's names changed, or it is gone: the events that involve it are found by them."""
    if hasattr(instance, "_events_to_reindex"):
        _reindex(instance._events_to_reindex)
    else:
        _reindex(instance.events.values_list("pk", flat=True))


def connect_search_index():
    """Keep every event's search entry in step with what it is found by (apps.ready)."""
    post_save.connect(_reindex_saved_event, sender=Event, dispatch_uid="search-event")
    for model in (Citation, Figure):
        for signal in (post_save, post_delete):
            signal.connect(_reindex_event_of, sender=model, dispatch_uid=f"search-{signal}-{model.__name__}")
    for through in (Event.actors.through, Event.places.through):
        m2m_changed.connect(_reindex_linked_events, sender=through, dispatch_uid=f"search-{through.__name__}")
    for model in (Actor, Place):
        post_save.connect(_reindex_events_involving, sender=model, dispatch_uid=f"search-save-{model.__name__}")
        pre_delete.connect(_remember_events_involving, sender=model, dispatch_uid=f"search-pre-{model.__name__}")
        post_delete.connect(_reindex_events_involving, sender=model, dispatch_uid=f"search-delete-{model.__name__}")


@functools.lru_cache(maxsize=2)
def vocabulary(data_version):
    """{folded word: as the collection writes it} for every word of the articles and of the
    names of actors and places (every quote is a passage of an article): what a search
    that found nothing can be pointed to. Keyed by the data version; numbers and words of
    fewer than three letters left out."""
    texts = [*Source.objects.values_list("text", flat=True)]
    for model in (Actor, Place):
        for name, aliases in model.objects.values_list("name", "aliases"):
            texts += [name, *aliases]
    written = collections.Counter(w for text in texts for w in WORD.findall(text.translate(PLAIN)))
    found = {}
    for word, _ in written.most_common():  # the commonest spelling of each word wins
        folded = fold(word)
        if len(folded) >= 3 and not folded.isdigit():
            found.setdefault(folded, word)
    return found
