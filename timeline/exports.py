"""Pure functions from querysets to export documents, shared by the export views
and the management commands, so that both produce the same document."""

import collections
import datetime
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join

from timeline import fragments
from timeline.models import (
    TIMELINE_START,
    Actor,
    Citation,
    Corroboration,
    Difference,
    Event,
    EventDates,
    Figure,
    Place,
    Position,
    PositionRelation,
    Source,
    detail_url,
    find_passage,
)

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "timeline.schema.json"
SITE_TITLE = "Kazakhstan, January 2022: a cited timeline"
EVENT_CHUNK = 1000  # events read (with their relations) per round of queries while streaming
WITHHELD_SUMMARY = (
    "Summary withheld: it draws on reporting published after the chosen day. The citations are what was known."
)


def _iso(value):
    return value.isoformat() if value else None


def _coordinate(value):
    return float(value) if value is not None else None


def _site_url(site_url):
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


def _dump(value):
    """Compact JSON text (orjson: five times the standard library's speed, a third of an export's time)."""
    return orjson.dumps(value).decode()


def source_dict(source):
    return {
        "id": source.slug,
        "title": source.title,
        "title_supplied": source.title_supplied,
        "outlet": source.outlet,
        "origin": source.origin,
        "authors": source.authors,
        "published_on": _iso(source.published_on),
        "edition": source.edition,
        "published_on_basis_kind": source.published_on_basis_kind,
        "published_on_basis": source.published_on_basis,
        "url": source.url,
        "url_basis": source.url_basis,
        "archive_url": source.archive_url,
        "rights_holder": source.rights_holder,
        "rights": source.rights_statement,
        "kind": source.kind,
        "party_to_conflict": source.party_to_conflict,
    } | ({"text": source.text} if settings.PUBLIC_SOURCE_TEXT else {})


def actor_dict(actor):
    return {
        "id": actor.slug,
        "name": actor.name,
        "kind": actor.kind,
        "party_to_conflict": actor.party_to_conflict,
        "aliases": actor.aliases,
        "description": actor.description,
    }


def place_dict(place):
    return {
        "id": place.slug,
        "name": place.name,
        "kind": place.kind,
        "aliases": place.aliases,
        "description": place.description,
        "latitude": _coordinate(place.latitude),
        "longitude": _coordinate(place.longitude),
    }


def event_dict(event, site_url):
    """An EventRecord as the JSON export writes it."""
    return {
        "id": event.slug,
        "date": _iso(event.date),
        "end_date": _iso(event.end_date),
        "time": event.time.strftime("%H:%M") if event.time else None,
        "time_note": event.time_note,
        "day_order": event.day_order,
        "date_precision": event.date_precision,
        "date_basis": event.date_basis,
        "date_basis_note": event.date_basis_note,
        "title": event.title,
        "summary": summary_as_known(event) or WITHHELD_SUMMARY,
        "summary_withheld": not summary_as_known(event),
        "corroboration": event.corroboration.as_dict(),
        "category": event.category,
        "actors": [actor.slug for actor in event.actors],
        "places": [place.slug for place in event.places],
        "url": site_url + event.path,
        "citations": [
            {
                "source": c.source.slug,
                "quote": c.quote,
                "original_url": c.original_url,
                "note": c.note,
                "claimant": c.claimant_actor.slug if c.claimant_actor else None,
            }
            for c in event.citations
        ],
        "figures": [
            {
                "id": figure_id(event.slug, number),
                "measure": f.measure,
                "value": f.value,
                "qualifier": f.qualifier,
                "claimant": f.claimant,
                "reported_on": _iso(f.reported_on),
                "scope": f.scope,
                "source": f.source.slug,
                "quote": f.quote,
                "original_url": f.original_url,
                "note": f.note,
            }
            for number, f in enumerate(event.figures, start=1)
        ],
    }


def figure_id(event_slug, number):
    """A figure's id in the JSON export: its event and its place among the event's figures, so that
    it survives an export, an import elsewhere and an export again (database ids would not)."""
    return f"{event_slug}/figure-{number}"


def position_id(difference_slug, number):
    """A position's id in the JSON export: its difference and its place among the positions."""
    return f"{difference_slug}/position-{number}"


# Event records: what the exports read, fetched as plain rows ---------------------------------------


@dataclass(slots=True)
class Passage:
    """A citation's or a figure's passage, as the exports read it."""

    pk: int
    anchor: str
    source_id: int
    source: Source
    quote: str
    note: str
    measure: str = ""
    value: int | None = None
    qualifier: str = ""
    claimant: str = ""
    reported_on: datetime.date | None = None
    scope: str = ""
    claimant_actor: Actor | None = None  # a citation's claimant (a figure's claimant is text)
    text_fragment: str = ""

    @property
    def original_url(self):  # as QuotedPassage.original_url
        return fragments.link(self.source.url, self.text_fragment)

    @property
    def claimed_by_a_party(self):  # as Citation.claimed_by_a_party
        return self.claimant_actor.party_to_conflict if self.claimant_actor else self.source.party_to_conflict


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
                f"c{pk}",
                source_id,
                sources[source_id],
                quote,
                note,
                claimant_actor=claimant,
                text_fragment=fragment,
            )
            self.citations[event_id].append(passage)
        self.figures = collections.defaultdict(list)
        columns = "id, source_id, quote, note, measure, value, qualifier, claimant, reported_on, scope, text_fragment"
        for event_id, pk, source_id, *fields, reported_on, scope, fragment in self._rows(
            Figure, columns, "figures" in read
        ):
            passage = Passage(
                pk, f"f{pk}", source_id, sources[source_id], *fields, _day(reported_on), scope, text_fragment=fragment
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


def timeline_json(events=None, *, known_on=None, site_url=None, now=None):
    """The public JSON export, as a stream of text chunks: every source, actor and
    place, and the given published events (all of them by default)."""
    if events is None:
        events = Event.objects.published()
    site_url = _site_url(site_url)
    now = now or timezone.now()
    generated_at = now.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    yield f'{{"schema_version": {SCHEMA_VERSION}, "generated_at": {_dump(generated_at)},\n'
    sources = Source.objects.filter(published_on__lte=known_on) if known_on else Source.objects.all()
    for key, rows in (
        ("sources", (source_dict(s) for s in sources.order_by("slug"))),
        ("actors", (actor_dict(a) for a in Actor.objects.order_by("slug"))),
        ("places", (place_dict(p) for p in Place.objects.order_by("slug"))),
    ):
        yield f'"{key}": [\n' + ",\n".join(_dump(row) for row in rows) + "\n],\n"
    yield '"events": [\n'
    for number, event in enumerate(event_records(events, known_on)):
        yield ("" if number == 0 else ",\n") + _dump(event_dict(event, site_url))
    yield '\n],\n"differences": [\n'
    differences, figure_ids = differences_of(events, known_on)
    yield ",\n".join(_dump(difference_dict(d, figure_ids)) for d in differences)
    yield "\n]}\n"


# Where the sources differ --------------------------------------------------------------------------


def differences_of(events, known_on=None):
    """The published differences that concern at least one of ``events``, each with only
    those events and their figures, and with only the positions of sources published by
    ``known_on`` (a difference left with none is left out)."""
    positions = Position.objects.select_related("source").defer("source__text")
    if known_on:
        positions = positions.filter(source__published_on__lte=known_on)
    selected = events.values("pk")
    differences = (
        Difference.objects.published()
        .filter(events__in=selected)
        .distinct()
        .order_by("kind", "topic")
        .prefetch_related(
            Prefetch("positions", queryset=positions),
            Prefetch("relations", queryset=PositionRelation.objects.order_by("pk")),
            Prefetch("events", queryset=Event.objects.filter(pk__in=selected).only("slug")),
            Prefetch("figures", queryset=Figure.objects.filter(event__in=selected, source__in=_sources(known_on))),
        )
    )
    differences = [d for d in differences if d.positions.all()]
    return differences, _figure_ids(differences, known_on)


def _figure_ids(differences, known_on):
    """{figure pk: its export id} for the figures the differences link, numbered as their events
    number them in the export (figure_id)."""
    events = {figure.event_id for difference in differences for figure in difference.figures.all()}
    ids = {}
    figures = Figure.objects.filter(event__in=events, source__in=_sources(known_on)).select_related("event")
    by_event = {}
    for figure in figures.order_by("event_id", *Figure._meta.ordering):
        by_event.setdefault(figure.event_id, []).append(figure)
    for group in by_event.values():
        for number, figure in enumerate(group, start=1):
            ids[figure.pk] = figure_id(figure.event.slug, number)
    return ids


def _sources(known_on):
    return Source.objects.filter(published_on__lte=known_on) if known_on else Source.objects.all()


def difference_dict(difference, figure_ids):
    """A difference as the JSON export writes it: a public contract (fields may be added).
    ``figure_ids`` gives the export id of each figure (by pk)."""
    ids = {position.pk: position_id(difference.slug, n) for n, position in enumerate(difference.positions.all(), 1)}
    return {
        "id": difference.slug,
        "topic": difference.topic,
        "kind": difference.kind,
        "subject": difference.subject,
        "note": difference.note,
        "events": [event.slug for event in difference.events.all()],
        "figures": [figure_ids[figure.pk] for figure in difference.figures.all()],
        "positions": [
            {
                "id": ids[position.pk],
                "source": position.source.slug,
                "quote": position.quote,
                "original_url": position.original_url,
                "reading": position.reading,
                "claimant": position.claimant,
                "note": position.note,
                "order": position.order,
            }
            for position in difference.positions.all()
        ],
        "relations": [
            {"from": ids[relation.from_position_id], "to": ids[relation.to_position_id], "type": relation.type}
            for relation in difference.relations.all()
            if relation.from_position_id in ids and relation.to_position_id in ids
        ],
    }


DIFFERENCE_COLUMNS = [
    "difference_id", "topic", "kind", "subject", "position_id", "source_id", "source_origin", "reading",
    "claimant", "quote", "note", "relations", "event_ids", "url",
]  # fmt: skip


def difference_rows(events=None, *, known_on=None, site_url=None):
    """differences.csv: one row per position, with its difference and how it relates to others."""
    if events is None:
        events = Event.objects.published()
    site_url = _site_url(site_url)
    yield DIFFERENCE_COLUMNS
    differences, figure_ids = differences_of(events, known_on)
    for difference in differences:
        row = difference_dict(difference, figure_ids)
        for number, position in enumerate(difference.positions.all(), start=1):
            relations = [
                f"{r['type']} {r['to']}" for r in row["relations"] if r["from"] == row["positions"][number - 1]["id"]
            ]
            yield spreadsheet_safe(
                [
                    difference.slug,
                    difference.topic,
                    difference.kind,
                    difference.subject,
                    row["positions"][number - 1]["id"],
                    position.source.slug,
                    position.source.independent_origin,
                    position.reading,
                    position.claimant,
                    position.quote,
                    position.note,
                    "; ".join(relations),
                    ";".join(row["events"]),
                    site_url + difference.get_absolute_url(),
                ]
            )


# TimelineJS 3 ------------------------------------------------------------------------------------


def _timelinejs_date(day, precision, time=None):
    """A TimelineJS date object: only the parts that are known."""
    parts = {"year": day.year}
    if precision != Event.Precision.YEAR:
        parts["month"] = day.month
    if precision in (Event.Precision.DAY, Event.Precision.BETWEEN):
        parts["day"] = day.day
    if time and precision == Event.Precision.DAY:
        parts |= {"hour": time.hour, "minute": time.minute}
    return parts


def timelinejs_slide(event, site_url):
    """One event as a TimelineJS slide: its title, its summary as known, how its date was
    established, and the passages it cites, each credited to its source and linked to it."""
    citations = format_html_join(
        "",
        '<li>“{}” <a href="{}">{}, {}</a></li>',
        (
            (
                c.quote,
                f"{site_url}{c.source.get_absolute_url()}#{c.anchor}",
                c.source.label,
                _long_date(c.source.published_on),
            )
            for c in event.citations
        ),
    )
    slide = {
        "unique_id": event.slug,
        "start_date": _timelinejs_date(event.date, event.date_precision, event.time),
        "text": {
            "headline": escape(event.title),  # TimelineJS treats it as HTML
            "text": format_html(
                '<p>{}</p>{}<p><strong>Sources</strong></p><ol class="sources">{}</ol><p><a href="{}">{}</a></p>',
                summary_as_known(event) or WITHHELD_SUMMARY,
                format_html("<p><em>{}:</em> {}</p>", event.date_basis_label, event.date_basis_note)
                if event.date_basis_label
                else "",
                citations,
                site_url + event.path,
                "This event on the cited timeline",
            ),
        },
        "group": event.category_label,
    }
    if event.end_date and event.end_date != event.date:
        slide["end_date"] = _timelinejs_date(event.end_date, event.date_precision)
    if event.date_precision != Event.Precision.DAY:
        slide["display_date"] = event.date_display
    return slide


def _long_date(day):
    return f"{day.day} {day:%B %Y}"


def timelinejs_document(events=None, *, known_on=None, site_url=None, selection=(), context=False, timeline_url=None):
    """A TimelineJS 3 timeline, ready to publish: a title slide that says what it holds and
    where from, then one slide per event. The events before 2 January (context from 1989 on)
    are left out unless ``context``: they would stretch the axis over three decades and squeeze
    the fortnight of the unrest into a sliver. ``selection`` labels the filters chosen, and
    ``timeline_url`` is the same selection on the site (the whole timeline by default)."""
    if events is None:
        events = Event.objects.published()
    site_url = _site_url(site_url)
    left_out = 0
    if not context:
        left_out = events.filter(date__lt=TIMELINE_START).count()
        events = events.filter(date__gte=TIMELINE_START)
    coverage = Source.objects.coverage()
    notes = []
    if selection:
        notes.append(format_html("<p>This selection: {}.</p>", "; ".join(selection)))
    if left_out:
        notes.append(
            format_html(
                "<p>{} event{} of the background before 2 January {} left out (context=1 in this file's address"
                " includes them).</p>",
                left_out,
                "" if left_out == 1 else "s",
                "is" if left_out == 1 else "are",
            )
        )
    return {
        "title": {
            "text": {
                "headline": "The January 2022 unrest in Kazakhstan, day by day",
                "text": format_html(
                    "<p>As {} reported it: every slide quotes its sources and links to their exact words.</p>{}"
                    '<p><a href="{}">The full cited timeline</a></p>',
                    coverage,
                    format_html_join("", "{}", ((note,) for note in notes)),
                    timeline_url or site_url + "/",
                ),
            }
        },
        "events": [timelinejs_slide(event, site_url) for event in event_records(events, known_on)],
    }


# W3C Web Annotation: every cited passage as an annotation of its source ------------------------------

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
QUOTE_CONTEXT = 32  # characters of the source's text before and after a passage (TextQuoteSelector)


def annotations(events=None, *, known_on=None, site_url=None, collection_url=None):
    """A W3C Web Annotation collection, as a stream of text chunks: each citation and figure
    passage of ``events`` annotates its source (its original address, or its page here)
    with a TextQuoteSelector and a TextPositionSelector (offsets, in characters, in the
    source's text as the collection holds it), and links to the event that cites it."""
    if events is None:
        events = Event.objects.published()
    site_url = _site_url(site_url)
    collection_url = collection_url or f"{site_url}/export/annotations.jsonld"
    texts = dict(Source.objects.values_list("pk", "text"))
    spans = {}  # (source pk, quote): (start, end); wire stories are quoted by many events

    def annotation(passage, event_url):
        key = (passage.source_id, passage.quote)
        if key not in spans:
            spans[key] = find_passage(texts[passage.source_id], passage.quote)
        if spans[key] is None:
            return None  # not in its source any more: the editors' check reports it
        start, end = spans[key]
        text = texts[passage.source_id]
        return {
            "id": f"{site_url}{passage.source.get_absolute_url()}#{passage.anchor}",
            "type": "Annotation",
            "motivation": "linking",
            "body": {"id": event_url, "type": "Text", "format": "text/html", "language": "en"},
            "target": {
                "type": "SpecificResource",
                "source": passage.source.url or f"{site_url}{passage.source.get_absolute_url()}",
                "selector": [
                    {
                        "type": "TextQuoteSelector",
                        "exact": text[start:end],
                        "prefix": text[max(0, start - QUOTE_CONTEXT) : start],
                        "suffix": text[end : end + QUOTE_CONTEXT],
                    },
                    {"type": "TextPositionSelector", "start": start, "end": end},
                ],
            },
        }

    def items():
        for event in event_records(events, known_on, read=EVERYTHING - {"links"}):
            event_url = site_url + event.path
            for passage in (*event.citations, *event.figures):
                if item := annotation(passage, event_url):
                    yield _dump(item)

    head = {
        "@context": ANNOTATION_CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": f"{SITE_TITLE}: every passage the timeline cites, linked to the event that cites it",
    }
    yield _dump(head)[:-1] + f', "first": {{"id": {_dump(collection_url + "#page-1")}, "type": "AnnotationPage", '
    yield '"startIndex": 0, "items": [\n'
    total = 0
    for number, item in enumerate(items()):
        yield ("" if number == 0 else ",\n") + item
        total += 1
    yield f'\n]}}, "total": {total}}}\n'


# CSV (one row per event in the spirit of ACLED's columns, and one per figure) --------------------

EVENT_COLUMNS = [
    "event_id",
    "event_date",
    "end_date",
    "date_precision",
    "date_basis",
    "date_basis_note",
    "time",
    "category",
    "title",
    "actors",
    "actor_ids",
    "places",
    "place_ids",
    "latitude",
    "longitude",
    "source_ids",
    "citations",
    "independent_origins",
    "summary",
    "url",
    "corroboration",
    "parties_only",
]
FIGURE_COLUMNS = [
    "event_id",
    "measure",
    "measure_label",
    "value",
    "qualifier",
    "claimant",
    "reported_on",
    "source_id",
    "source_origin",
    "quote",
    "note",
]
PLACE_SPECIFICITY = [Place.Kind.SITE, Place.Kind.CITY, Place.Kind.REGION, Place.Kind.COUNTRY]


FORMULA_STARTS = frozenset("=+-@\t\r")


def spreadsheet_safe(row):
    """The row with every text cell that a spreadsheet would run as a formula (=, +, -, @
    first) given a leading apostrophe, as OWASP advises against CSV injection. Written as
    one comprehension: it runs for every cell of every export."""
    return [f"'{cell}" if type(cell) is str and cell[:1] in FORMULA_STARTS else cell for cell in row]


def _located_place(event):
    """The most specific of the event's places with coordinates, for the latitude and
    longitude columns (ACLED gives one location per event)."""
    located = [p for p in event.places if p.latitude is not None and p.longitude is not None]
    return min(located, key=lambda p: PLACE_SPECIFICITY.index(p.kind), default=None)


def event_rows(events=None, *, known_on=None, site_url=None):
    if events is None:
        events = Event.objects.published()
    site_url = _site_url(site_url)
    yield EVENT_COLUMNS
    # Counts and sources of the citations, not their words; figures only to tell later reporting.
    read = {"links", "figures"} if known_on else {"links"}
    for event in event_records(events, known_on, read=read):
        sources = [c.source for c in event.citations]
        corroboration = event.corroboration
        place = _located_place(event)
        row = [
            event.slug,
            event.date.isoformat(),
            event.end_date.isoformat() if event.end_date else "",
            event.date_precision,
            event.date_basis,
            event.date_basis_note,
            event.time.strftime("%H:%M") if event.time else "",
            event.category,
            event.title,
            "; ".join([a.name for a in event.actors]),
            ";".join([a.slug for a in event.actors]),
            "; ".join([p.name for p in event.places]),
            ";".join([p.slug for p in event.places]),
            place.latitude if place else "",
            place.longitude if place else "",
            ";".join(dict.fromkeys([s.slug for s in sources])),
            len(sources),
            len({s.independent_origin for s in sources}),
            summary_as_known(event) or WITHHELD_SUMMARY,
            site_url + event.path,
            corroboration.level.value,
            corroboration.parties_only,
        ]
        yield spreadsheet_safe(row)


def figure_rows(events=None, *, known_on=None):
    if events is None:
        events = Event.objects.published()
    yield FIGURE_COLUMNS
    for event in event_records(events, known_on, read={"figures"}):
        for figure in event.figures:
            row = [
                event.slug,
                figure.measure,
                Figure.Measure(figure.measure).label,
                "" if figure.value is None else figure.value,
                figure.qualifier,
                figure.claimant,
                _iso(figure.reported_on),
                figure.source.slug,
                figure.source.independent_origin,
                figure.quote,
                figure.note,
            ]
            yield spreadsheet_safe(row)


# Citing: CSL-JSON for reference managers, schema.org JSON-LD for the event pages -----------------


def author_names(authors):
    """["A B", "C D", "E F"] from "A B, C D and E F"."""
    return [n.strip() for n in authors.replace(" and ", ", ").split(",") if n.strip()]


def _csl_name(name):
    given, _, family = name.rpartition(" ")
    return {"family": family, "given": given} if given else {"literal": name}


def csl_item(source, site_url=None):
    item = {
        "id": source.slug,
        "type": "article-newspaper",
        "title": source.title,
        "issued": {"date-parts": [[source.published_on.year, source.published_on.month, source.published_on.day]]},
        "URL": source.url or _site_url(site_url) + source.get_absolute_url(),
    }
    if source.outlet:
        item["container-title"] = source.outlet
    if source.origin:
        item["publisher"] = source.origin
    if source.authors:
        item["author"] = [_csl_name(name) for name in author_names(source.authors)]
    if source.published_on_basis:
        item["note"] = "Date inferred: " + source.published_on_basis
    return item


def event_jsonld(event, site_url=None):
    """schema.org markup for an event page: the event, its places and its sources."""
    site_url = _site_url(site_url)
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": site_url + event.get_absolute_url(),
        "url": site_url + event.get_absolute_url(),
        "name": event.title,
        "description": event.summary,
        "startDate": _iso(event.date),
        "eventStatus": "https://schema.org/EventScheduled",
        "location": [
            {"@type": "Place", "name": p.name, "alternateName": p.aliases}
            | (
                {"geo": {"@type": "GeoCoordinates", "latitude": float(p.latitude), "longitude": float(p.longitude)}}
                if p.latitude is not None and p.longitude is not None
                else {}
            )
            for p in event.places.all()
        ],
        "subjectOf": [],
    }
    if event.end_date:
        data["endDate"] = _iso(event.end_date)
    for source in dict.fromkeys(c.source for c in event.citations.all()):
        article = {
            "@type": "NewsArticle",
            "headline": source.title,
            "datePublished": _iso(source.published_on),
            "url": source.url or site_url + source.get_absolute_url(),
        }
        if source.outlet:
            article["publisher"] = {"@type": "Organization", "name": source.outlet}
        if source.origin:
            article["sourceOrganization"] = {"@type": "Organization", "name": source.origin}
        if source.authors:
            article["author"] = [{"@type": "Person", "name": name} for name in author_names(source.authors)]
        data["subjectOf"].append(article)
    return data
