"""The row reader every export shares: events and their relations read as plain rows
(EventRecord, Passage), streamed a chunk at a time, and the small helpers all exports use."""

import collections
import datetime
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connection

from timeline.models import (
    Actor,
    Citation,
    Corroboration,
    Event,
    EventDates,
    Figure,
    Place,
    Quoted,
    Source,
    claimed_by_a_party,
    detail_url,
)

EVENT_CHUNK = 1000  # events read (with their relations) per round of queries while streaming
WITHHELD_SUMMARY = (
    "Summary withheld: it draws on reporting published after the chosen day. The citations are what was known."
)


def iso(value):
    return value.isoformat() if value else None


def site_address(site_url):
    """The base of the absolute links in a document: the request's address when serving,
    DJANGO_SITE_URL from management commands."""
    site_url = site_url or settings.SITE_URL
    if not site_url:
        raise ImproperlyConfigured("Set DJANGO_SITE_URL (or pass --site-url): exports need the site's address.")
    return site_url.rstrip("/")


def summary_as_known(event):
    """The event's summary, unless it was written from reporting later than the "as known
    on" day (``later_reporting``, from ``with_related(known_on)``): then it is withheld,
    and the passages known by that day stand in for it."""
    if getattr(event, "later_reporting", False):
        return ""
    return event.summary


def dump(value):
    """Compact JSON text (orjson: five times the standard library's speed, a third of an export's time)."""
    return orjson.dumps(value).decode()


@dataclass(slots=True)
class Passage(Quoted):
    """A citation's or a figure's passage, as the exports read it."""

    pk: int
    anchor_prefix: str
    source_id: int
    source: Source
    quote: str
    note: str
    measure: str = ""
    value: int | None = None
    qualifier: str = ""
    claimant_words: str = ""  # a figure's claimant as the article words it
    reported_on: datetime.date | None = None
    scope: str = ""
    claimant_actor: Actor | None = None  # a citation's or a figure's claimant
    text_fragment: str = ""

    @property
    def claimed_by_a_party(self):
        return claimed_by_a_party(self.claimant_actor, self.source)


@dataclass(slots=True)
class EventRecord(EventDates):
    """An event with everything the exports show of it. Built from rows, not model
    instances: instances and their prefetches cost twenty times as much per event."""

    slug: str
    date: datetime.date
    end_date: datetime.date | None
    time: datetime.time | None
    time_note: str
    day_order: int
    date_precision: str
    date_basis: str
    date_basis_note: str
    title: str
    summary: str
    category: str
    path: str
    actors: list = field(default_factory=list)
    places: list = field(default_factory=list)
    citations: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    later_reporting: bool = False

    @property
    def category_label(self):
        return Event.Category(self.category).label

    @property
    def corroboration(self):
        return Corroboration.of(self.citations)


EVENT_COLUMNS_READ = (
    "pk", "slug", "date", "end_date", "time", "time_note", "day_order", "date_precision",
    "date_basis", "date_basis_note", "title", "summary", "category",
)  # fmt: skip


#: What of an event's relations an export reads: its citations' words, its figures, its actors and places.
EVERYTHING = frozenset({"quotes", "figures", "links"})


def event_records(events, known_on=None, *, read=EVERYTHING):
    """The events (a queryset, in its order) as EventRecords, streamed: events are read
    in one pass and their citations, figures, actors and places EVENT_CHUNK events at a
    time, so memory stays flat however many there are. With ``known_on``, only the
    passages of sources published by then, and ``later_reporting`` says whether there
    were others. ``read`` names the relations an export shows (see EVERYTHING); the
    citations are always read, for their sources, without their words unless asked."""
    sources = {source.pk: source for source in Source.objects.defer("text")}
    actors = {actor.pk: actor for actor in Actor.objects.all()}
    places = {place.pk: place for place in Place.objects.all()}
    shown = {pk for pk, source in sources.items() if not known_on or source.published_on <= known_on}
    path = detail_url("event_detail", "-").removesuffix("-/")  # /events/
    for chunk in _event_rows(events):
        related = RelatedRows([row[0] for row in chunk], sources, actors, places, read=read)
        for pk, slug, *columns in chunk:
            citations, figures = related.citations.get(pk, []), related.figures.get(pk, [])
            later = False
            if known_on:
                later = any(p.source_id not in shown for p in (*citations, *figures))
                citations = [c for c in citations if c.source_id in shown]
                figures = [f for f in figures if f.source_id in shown]
            yield EventRecord(
                slug,
                *columns,
                path=f"{path}{slug}/",
                actors=related.actors.get(pk, []),
                places=related.places.get(pk, []),
                citations=citations,
                figures=figures,
                later_reporting=later,
            )


def _event_rows(events):
    """The events' EVENT_COLUMNS_READ, EVENT_CHUNK rows at a time, read with the queryset's own
    SQL on a streaming cursor: Django's per-value converters took a quarter of an export's time.
    Dates come back as text from SQLite; the few date columns are parsed here."""
    try:
        sql, params = events.values_list(*EVENT_COLUMNS_READ).query.sql_with_params()
    except EmptyResultSet:  # a selection Django knows to be empty (a search with no searchable word)
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(EVENT_CHUNK):
            yield [(pk, slug, _day(day), _day(end), _time(time), *rest) for pk, slug, day, end, time, *rest in rows]


def _day(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _time(value):
    return datetime.time.fromisoformat(value) if isinstance(value, str) else value


class RelatedRows:
    """The citations, figures, actors and places of a chunk of events, each {event pk: [...]}
    in the order the models define. Read with plain SQL: the ORM prepares every value of a
    long ``IN`` list one by one, which cost more than the rest of the export."""

    def __init__(self, event_ids, sources, actors, places, *, read=EVERYTHING):
        self.ids = ",".join(str(int(pk)) for pk in event_ids)
        words = "quote, note, text_fragment" if "quotes" in read else "'', '', ''"
        self.citations = collections.defaultdict(list)
        for event_id, pk, source_id, claimant_id, quote, note, fragment in self._rows(
            Citation, f"id, source_id, claimant_id, {words}"
        ):
            claimant = actors[claimant_id] if claimant_id else None
            passage = Passage(
                pk,
                Citation.anchor_prefix,
                source_id,
                sources[source_id],
                quote,
                note,
                claimant_actor=claimant,
                text_fragment=fragment,
            )
            self.citations[event_id].append(passage)
        self.figures = collections.defaultdict(list)
        columns = (
            "id, source_id, claimant_id, quote, note, measure, value, qualifier, claimant_words, reported_on, scope, "
            "text_fragment"
        )
        for event_id, pk, source_id, claimant_id, *fields, reported_on, scope, fragment in self._rows(
            Figure, columns, "figures" in read
        ):
            source = sources[source_id]
            passage = Passage(
                pk,
                Figure.anchor_prefix,
                source_id,
                source,
                *fields,
                _day(reported_on),
                scope,
                claimant_actor=actors[claimant_id] if claimant_id else None,
                text_fragment=fragment,
            )
            self.figures[event_id].append(passage)
        for group in self.figures.values():  # Figure.Meta.ordering
            group.sort(key=lambda f: (f.measure, f.reported_on, f.source.published_on, f.pk))
        self.actors = self._linked(Event.actors.through, "actor_id", actors, "links" in read)
        self.places = self._linked(Event.places.through, "place_id", places, "links" in read)

    def _rows(self, model, columns, wanted=True):
        """(event_id, *columns) of the model's rows for these events, by event and id."""
        if not wanted:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT event_id, {columns} FROM {table} WHERE event_id IN ({self.ids}) ORDER BY event_id, id"
            )
            return cursor.fetchall()

    def _linked(self, through, column, entities, wanted):
        """{event pk: [actor or place]}, by name (their Meta order)."""
        linked = collections.defaultdict(list)
        for event_id, entity_id in self._rows(through, column, wanted):
            linked[event_id].append(entities[entity_id])
        for group in linked.values():
            if len(group) > 1:
                group.sort(key=lambda entity: entity.name)
        return linked
