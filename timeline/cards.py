"""Rendered event cards, cached per process.

A timeline page shows up to PAGE_SIZE cards, and rendering them with the template
engine was most of a page's time. A card's HTML depends only on the data, so it is
cached under a key made of a data *generation* (a number in the shared cache that
every save or delete of curated data moves on, once its transaction has committed),
the event's version, and the "as reported by" day."""

from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.template.loader import render_to_string

GENERATION_KEY = "timeline:generation"


def generation():
    return cache.get_or_set(GENERATION_KEY, 1)


def _bump():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(GENERATION_KEY, 2)


def data_changed(sender, **kwargs):
    transaction.on_commit(_bump)


def connect_signals():
    from timeline.models import Actor, Citation, Event, Figure, Place, Source

    for model in (Source, Actor, Place, Event, Citation, Figure):
        post_save.connect(data_changed, sender=model, dispatch_uid=f"cards-save-{model.__name__}")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"cards-delete-{model.__name__}")
    for through in (Event.actors.through, Event.places.through):
        m2m_changed.connect(data_changed, sender=through, dispatch_uid=f"cards-m2m-{through.__name__}")


def event_cards(events, reported_by, index_url):
    """{event pk: card HTML} for ``events``; only the cards not cached are rendered,
    and only their events are fetched with their relations."""
    from timeline.models import Event

    store = caches["cards"]
    prefix = f"card:{generation()}:{reported_by or ''}:{index_url}"
    keys = {event.pk: f"{prefix}:{event.pk}:{event.version}" for event in events}
    found = store.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        rendered = {}
        for event in Event.objects.filter(pk__in=missing).with_related(reported_by):
            html = render_to_string("timeline/includes/event_card.html", {"event": event, "index_url": index_url})
            rendered[keys[event.pk]] = html
        store.set_many(rendered)
        found |= rendered
    return {pk: found[key] for pk, key in keys.items()}
