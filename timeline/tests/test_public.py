"""Nothing reaches readers before it is published: a source, an actor or a place is public once a
published event cites or involves it (a source also once a published difference quotes it), and a
draft event's figure stays off every page. Each test makes a draft that uses something new, checks
that readers do not see it on one surface, publishes the draft, and checks that they see it at once."""

import datetime

import pytest

from timeline.models import Actor, Citation, Difference, Event, Figure, Place, Position, Source, Status

pytestmark = pytest.mark.django_db


def set_status(row, status):
    row.status = status
    row.save()


def publish(event):
    set_status(event, Status.PUBLISHED)


def element(html, start, end):
    """The part of ``html`` from the first ``start`` to the next ``end``, both included."""
    begin = html.index(start)
    return html[begin : html.index(end, begin) + len(end)]


@pytest.fixture
def draft(curated, make_event):
    """A draft event that cites the new source ``test-wire`` (the ``source`` fixture)."""
    return make_event(slug="draft-storming", status=Event.Status.DRAFT)


@pytest.fixture
def newcomers(draft):
    """A new actor and a new place, both only in the draft event; the actor also claims its citation."""
    actor = Actor.objects.create(slug="zhanbolat", name="Zhanbolat Nurmukhambetov", kind=Actor.Kind.PERSON)
    place = Place.objects.create(
        slug="kapchagay", name="Kapchagay", kind=Place.Kind.CITY, latitude="43.86667", longitude="77.06667"
    )
    draft.actors.add(actor)
    draft.places.add(place)
    return actor, place


# The rule, once, on the QuerySets -------------------------------------------------------------------


def test_a_source_is_public_once_a_published_event_cites_it(draft, source):
    assert source not in Source.objects.public()
    publish(draft)
    assert source in Source.objects.public()


def test_a_source_only_a_published_events_figure_quotes_is_public(curated, source):
    event = Event.objects.get(slug="officials-security-toll")
    Figure.objects.create(
        event=event,
        source=source,
        measure=Figure.Measure.DETAINED,
        value=12,
        claimant="police",
        reported_on=datetime.date(2022, 1, 6),
        quote="Police said 12 people were detained",
    )
    assert source in Source.objects.public()
    set_status(event, Status.DRAFT)
    assert source not in Source.objects.public()


def test_a_source_a_published_difference_quotes_is_public(curated, source):
    """A reader reaches a source through a difference's position as through a citation."""
    difference = Difference.objects.get(slug="security-personnel-killed")
    Position.objects.create(
        difference=difference, source=source, quote="Police said 12 people", reading="12", claimant="police"
    )
    assert source in Source.objects.public()
    set_status(difference, Status.DRAFT)
    assert source not in Source.objects.public()


def test_actors_and_places_are_public_once_a_published_event_involves_them(newcomers, draft):
    actor, place = newcomers
    assert actor not in Actor.objects.public() and place not in Place.objects.public()
    publish(draft)
    assert actor in Actor.objects.public() and place in Place.objects.public()


def test_the_claimant_of_a_published_events_citation_is_public(curated, source):
    actor = Actor.objects.create(slug="spokeswoman", name="Saltanat Azirbek", kind=Actor.Kind.PERSON)
    event = Event.objects.get(slug="officials-security-toll")
    Citation.objects.create(event=event, source=source, quote="Police said 12 people", claimant=actor)
    assert actor in Actor.objects.public()
    set_status(event, Status.DRAFT)
    assert actor not in Actor.objects.public()


def test_public_lists_each_row_once_in_one_query(curated, django_assert_num_queries):
    with django_assert_num_queries(3):
        sources, actors, places = (list(model.objects.public()) for model in (Source, Actor, Place))
    assert len({s.pk for s in sources}) == len(sources) == Source.objects.count()  # every article is cited
    assert len({a.pk for a in actors}) == len(actors)
    assert len({p.pk for p in places}) == len(places)
    assert "central-asia" not in {p.slug for p in places}  # a curated place no event names
