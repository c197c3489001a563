"""The public JSON export (a documented contract: timeline.schema.json) and its dicts."""

import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from timeline.exports.rows import WITHHELD_SUMMARY, dump, event_records, iso, site_address, summary_as_known
from timeline.models import Actor, Difference, Event, Figure, Place, Position, PositionRelation, Source

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "timeline.schema.json"


def _coordinate(value):
    return float(value) if value is not None else None


def source_dict(source):
    return {
        "id": source.slug,
        "title": source.title,
        "title_supplied": source.title_supplied,
        "outlet": source.outlet,
        "origin": source.origin,
        "authors": source.authors,
        "published_on": iso(source.published_on),
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
        "date": iso(event.date),
        "end_date": iso(event.end_date),
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
                "claimant": f.claimant_actor.slug if f.claimant_actor else None,
                "claimant_words": f.claimant_words,
                "reported_on": iso(f.reported_on),
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


def timeline_json(events=None, *, known_on=None, site_url=None, now=None):
    """The public JSON export, as a stream of text chunks: every public source, actor and
    place (``public()``: what a published event uses), and the given published events (all
    of them by default)."""
    if events is None:
        events = Event.objects.published()
    site_url = site_address(site_url)
    now = now or timezone.now()
    generated_at = now.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    yield f'{{"schema_version": {SCHEMA_VERSION}, "generated_at": {dump(generated_at)},\n'
    sources = Source.objects.public()
    if known_on:
        sources = sources.filter(published_on__lte=known_on)
    for key, rows in (
        ("sources", (source_dict(s) for s in sources.order_by("slug"))),
        ("actors", (actor_dict(a) for a in Actor.objects.public().order_by("slug"))),
        ("places", (place_dict(p) for p in Place.objects.public().order_by("slug"))),
    ):
        yield f'"{key}": [\n' + ",\n".join(dump(row) for row in rows) + "\n],\n"
    yield '"events": [\n'
    for number, event in enumerate(event_records(events, known_on)):
        yield ("" if number == 0 else ",\n") + dump(event_dict(event, site_url))
    yield '\n],\n"differences": [\n'
    differences, figure_ids = differences_of(events, known_on)
    yield ",\n".join(dump(difference_dict(d, figure_ids)) for d in differences)
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
