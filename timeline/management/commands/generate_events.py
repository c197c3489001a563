import datetime
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from timeline import editing
from timeline.models import Actor, Citation, Event, Figure, Place

PREFIX = "synthetic-"
BATCH = 5_000


class Command(BaseCommand):
    help = (
        "FOR BENCHMARKS ONLY: add N synthetic published events (slugs 'synthetic-…', titles 'Synthetic event …'), "
        "each citing real passages of the curated sources, so that speed can be measured at scale. Never run "
        "by `make run`; remove them with --delete."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, nargs="?", default=0)
        parser.add_argument("--seed", type=int, default=2022, help="Random seed: the same seed, the same events.")
        parser.add_argument("--delete", action="store_true", help="Delete every synthetic event instead.")

    def handle(self, *args, count, seed, delete, **options):
        if delete:
            with transaction.atomic():
                deleted, _ = Event.objects.filter(slug__startswith=PREFIX).delete()
                editing.data_changed()
            self.stdout.write(f"Deleted {deleted} synthetic rows.")
            return
        if count <= 0:
            raise CommandError("Say how many events to generate, e.g. `generate_events 10000`.")
        citations = list(Citation.objects.values_list("source_id", "quote", "text_fragment"))
        figures = list(
            Figure.objects.values(
                "source_id", "quote", "text_fragment", "measure", "value", "qualifier", "claimant_id", "claimant_words"
            )
        )
        actors = list(Actor.objects.values_list("pk", flat=True))
        places = list(Place.objects.values_list("pk", flat=True))
        if not citations:
            raise CommandError("Load the curated data first (`manage.py load_curated`): synthetic events cite it.")
        rng = random.Random(seed)
        start = Event.objects.filter(slug__startswith=PREFIX).count()
        for first in range(start, start + count, BATCH):
            self.add_batch(rng, range(first, min(first + BATCH, start + count)), citations, figures, actors, places)
            self.stderr.write(f"  {min(first + BATCH, start + count) - start:,} / {count:,}")
        self.stdout.write(f"Added {count:,} synthetic events.")

    @transaction.atomic
    def add_batch(self, rng, numbers, citations, figures, actors, places):
        categories = list(Event.Category.values[:-1])  # not "background"
        events = Event.objects.bulk_create(
            Event(
                slug=f"{PREFIX}{n:07d}",
                title=f"Synthetic event {n:,}",
                summary=f"A synthetic event for benchmarks, number {n:,}; officials said nothing about it.",
                category=rng.choice(categories),
                date=datetime.date(2022, 1, 2) + datetime.timedelta(days=rng.randrange(7)),
                day_order=rng.randrange(100),
                status=Event.Status.PUBLISHED,
            )
            for n in numbers
        )
        links_actor, links_place, new_citations, new_figures = [], [], [], []
        for event in events:
            for actor in rng.sample(actors, k=min(2, len(actors))):
                links_actor.append(Event.actors.through(event_id=event.pk, actor_id=actor))
            for place in rng.sample(places, k=min(1, len(places))):
                links_place.append(Event.places.through(event_id=event.pk, place_id=place))
            for source_id, quote, text_fragment in rng.sample(citations, k=2):
                new_citations.append(
                    Citation(event=event, source_id=source_id, quote=quote, text_fragment=text_fragment)
                )
            if figures and rng.random() < 0.2:
                figure = rng.choice(figures)
                new_figures.append(Figure(event=event, reported_on=datetime.date(2022, 1, 6), **figure))
        Event.actors.through.objects.bulk_create(links_actor)
        Event.places.through.objects.bulk_create(links_place)
        Citation.objects.bulk_create(new_citations)
        Figure.objects.bulk_create(new_figures)
        editing.data_changed(event_ids=[event.pk for event in events])
