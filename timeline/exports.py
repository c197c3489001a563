"""Pure functions from querysets to export documents, shared by the export
views and the management commands, so both produce the same document."""

import datetime

from django.conf import settings
from django.utils import timezone

from timeline.models import Actor, Event, Place, Source

SCHEMA_VERSION = 1


def _iso(value):
    return value.isoformat() if value else None


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
        "published_on": _iso(source.published_on),
        "published_on_basis": source.published_on_basis,
        "url": source.url,
        "seed_file": source.seed_file,
        "kind": source.kind,
    }


def actor_dict(actor):
    return {
        "id": actor.slug,
        "name": actor.name,
        "kind": actor.kind,
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
    return {
        "id": event.slug,
        "date": _iso(event.date),
        "end_date": _iso(event.end_date),
        "time": event.time.strftime("%H:%M") if event.time else None,
        "time_note": event.time_note,
        "date_precision": event.date_precision,
        "title": event.title,
        "summary": event.summary,
        "category": event.category,
        "actors": [actor.slug for actor in event.actors.all()],
        "places": [place.slug for place in event.places.all()],
        "url": site_url + event.get_absolute_url(),
        "citations": [{"source": c.source.slug, "quote": c.quote, "note": c.note} for c in event.citations.all()],
        "figures": [
            {
                "measure": f.measure,
                "value": f.value,
                "qualifier": f.qualifier,
                "claimant": f.claimant,
                "reported_on": _iso(f.reported_on),
                "source": f.source.slug,
                "quote": f.quote,
                "note": f.note,
            }
            for f in event.figures.all()
        ],
    }


def timeline_document(events=None, *, site_url=None, now=None):
    """The public JSON export: every source, actor and place, and the published events."""
    if events is None:
        events = Event.objects.published()
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    now = now or timezone.now()
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "sources": [source_dict(s) for s in Source.objects.order_by("slug")],
        "actors": [actor_dict(a) for a in Actor.objects.order_by("slug")],
        "places": [place_dict(p) for p in Place.objects.order_by("slug")],
        "events": [event_dict(e, site_url) for e in events.with_related()],
    }
