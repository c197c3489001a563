"""Rendered event cards, cached.

A timeline page shows up to PAGE_SIZE cards, and rendering them with the template
engine was most of a page's time. A card's HTML depends only on the data, so it is
cached under a key made of the durable data version (models.DataVersion, which every
change moves on), the event, the "as known on" day and where the card is shown."""

from django.core.cache import caches
from django.template.loader import render_to_string


def event_cards(events, data_version, *, known_on=None, index_url="/", carried_over=frozenset()):
    """{event pk: card HTML} for ``events``; only the cards not cached are rendered,
    and only their events are fetched with their relations. ``carried_over`` holds the
    pks of events shown under a later day than their first (a span, an uncertain date)."""
    from timeline.models import Event

    store = caches["cards"]
    prefix = f"card:{data_version}:{known_on or ''}:{index_url}"
    keys = {event.pk: f"{prefix}:{event.pk}:{int(event.pk in carried_over)}" for event in events}
    found = store.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        rendered = {}
        for event in Event.objects.filter(pk__in=missing).with_related(known_on):
            context = {"event": event, "index_url": index_url, "carried_over": event.pk in carried_over}
            rendered[keys[event.pk]] = render_to_string("timeline/includes/event_card.html", context)
        store.set_many(rendered)
        found |= rendered
    return {pk: found[key] for pk, key in keys.items()}
