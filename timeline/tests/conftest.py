import datetime

import pytest
from django.core.management import call_command

from timeline.management.commands.load_curated import CURATED_FIXTURES


@pytest.fixture
def curated(db):
    """The curated fixtures, loaded as `make run` loads them."""
    call_command("loaddata", *CURATED_FIXTURES, verbosity=0)


@pytest.fixture
def source(db):
    from timeline.models import Source

    return Source.objects.create(
        slug="test-wire",
        title="Protests spread",
        outlet="Test Times",
        origin="AFP",
        published_on=datetime.date(2022, 1, 6),
        kind=Source.Kind.WIRE,
        seed_file="test.txt",
        text="Protesters stormed the mayor's office\non Wednesday. Police said 12 people were\n\ndetained.",
    )


@pytest.fixture
def make_event(db, source):
    """Build a published event with one citation of ``source``."""
    from timeline.models import Citation, Event

    def make(slug="storming", date="2022-01-05", quote="Protesters stormed the mayor's office", **fields):
        fields.setdefault("status", Event.Status.PUBLISHED)
        event = Event.objects.create(
            slug=slug,
            title=fields.pop("title", slug.title()),
            summary="Summary.",
            category="violence",
            date=datetime.date.fromisoformat(date),
            **fields,
        )
        Citation.objects.create(event=event, source=source, quote=quote)
        return event

    return make
