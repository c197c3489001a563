"""Nothing reaches readers before it is published: a source, an actor or a place is public once a
published event cites or involves it (a source also once a published difference quotes it), and a
draft event's figure stays off every page. Each test makes a draft that uses something new, checks
that readers do not see it on one surface, publishes the draft, and checks that they see it at once."""

import csv
import datetime
import io
import json
import re

import pytest

from timeline import editing
from timeline.models import Actor, Citation, Difference, Event, Figure, Place, Position, Source, Status

pytestmark = pytest.mark.django_db


def set_status(row, status):
    row.status = status
    if isinstance(row, Event):  # a draft's first publication needs no note; a take-down, its reason
        editing.save_event(row, note="" if status == Status.PUBLISHED else "Taken down for the test.")
    else:
        editing.save_curated(row)


def publish(event):
    set_status(event, Status.PUBLISHED)


def element(html, start, end):
    """The part of ``html`` from the first ``start`` to the next ``end``, both included."""
    begin = html.index(start)
    return html[begin : html.index(end, begin) + len(end)]


def police_figure(event, source, measure):
    """A figure of ``event`` quoting the ``source`` fixture's number."""
    return Figure.objects.create(
        event=event,
        source=source,
        measure=measure,
        value=12,
        claimant_words="police",
        reported_on=datetime.date(2022, 1, 6),
        quote="Police said 12 people were detained",
    )


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
    police_figure(event, source, Figure.Measure.DETAINED)
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


# Each surface ------------------------------------------------------------------------------------


def test_source_list_and_page(client, draft, source):
    table = element(client.get("/sources/").content.decode(), '<table class="sources">', "</table>")
    assert source.get_absolute_url() not in table
    assert client.get(source.get_absolute_url()).status_code == 404
    publish(draft)
    table = element(client.get("/sources/").content.decode(), '<table class="sources">', "</table>")
    assert f'<a href="{source.get_absolute_url()}">{source.title}</a>' in table
    assert client.get(source.get_absolute_url()).status_code == 200


def test_editors_preview_a_source_readers_cannot_see(editor_client, draft, source):
    response = editor_client.get(source.get_absolute_url())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Preview." in element(response.content.decode(), "<h1>", "</p>")


def test_csl_json(client, draft, source):
    response = client.get("/sources/csl.json")
    assert source.slug not in [item["id"] for item in json.loads(response.content)]
    etag = response["ETag"]
    publish(draft)
    response = client.get("/sources/csl.json", headers={"If-None-Match": etag})
    assert response.status_code == 200  # publishing moved the data version on: no 304
    assert source.slug in [item["id"] for item in json.loads(response.content)]


def test_footer_and_lede_count_public_sources(client, draft):
    html = client.get("/").content.decode()
    assert "five articles published from 6 to 8 January 2022" in element(html, '<p class="lede">', "</p>")
    assert "five articles" in element(html, '<footer class="site-footer">', "</footer>")
    publish(draft)
    html = client.get("/").content.decode()  # the same reader: the cached page is not served again
    assert "six articles published from 6 to 8 January 2022" in element(html, '<p class="lede">', "</p>")
    assert "six articles" in element(html, '<footer class="site-footer">', "</footer>")


def test_words_used_has_a_column_per_public_source(client, draft, source):
    def header():
        return element(client.get("/differences/words/").content.decode(), "<thead>", "</thead>")

    assert source.label not in header()
    publish(draft)
    assert f'<th scope="col">{source.label}<br>' in header()


def test_actor_and_place_lists_and_pages(client, newcomers, draft):
    for entity, path in zip(newcomers, ("/actors/", "/places/"), strict=True):
        listed = element(client.get(path).content.decode(), "<main", "</main>")
        assert entity.get_absolute_url() not in listed
        assert client.get(entity.get_absolute_url()).status_code == 404
    publish(draft)
    for entity, path in zip(newcomers, ("/actors/", "/places/"), strict=True):
        listed = element(client.get(path).content.decode(), "<main", "</main>")
        assert f'<a href="{entity.get_absolute_url()}">{entity.name}</a>' in listed
        assert client.get(entity.get_absolute_url()).status_code == 200


def filter_choices(html, name):
    return re.findall(rf'<input type="checkbox" name="{name}" value="([^"]+)"', html)


def test_filter_choices_and_validation(client, newcomers, draft, source):
    actor, place = newcomers
    html = client.get("/").content.decode()
    assert actor.slug not in filter_choices(html, "actor")
    assert place.slug not in filter_choices(html, "place")
    assert source.slug not in filter_choices(html, "source")
    unknown = client.get("/?actor=nobody-at-all")
    for query in (f"actor={actor.slug}", f"place={place.slug}", f"source={source.slug}"):
        response = client.get(f"/?{query}")
        assert response.status_code == unknown.status_code == 400  # as an unknown slug
        assert actor.name not in element(response.content.decode(), "<main", "</main>")
    publish(draft)
    html = client.get("/").content.decode()
    assert actor.slug in filter_choices(html, "actor")
    assert place.slug in filter_choices(html, "place")
    assert source.slug in filter_choices(html, "source")
    for query in (f"actor={actor.slug}", f"place={place.slug}", f"source={source.slug}"):
        assert f'id="{draft.slug}"' in client.get(f"/?{query}").content.decode()


def test_search_suggestions(client, newcomers, draft):
    def suggestion():
        html = client.get("/?q=Nurmukhambetv").content.decode()
        return element(html, "Did you mean", "</a>") if "Did you mean" in html else None

    assert suggestion() is None
    publish(draft)
    assert ">Nurmukhambetov</a>" in suggestion()


def test_map(client, newcomers, draft):
    """The map counts the places of published events only; asked for a place readers cannot
    see, it answers as for an unknown one instead of naming it in the chosen filters."""
    place = newcomers[1]
    svg = element(client.get("/map/").content.decode(), "<svg", "</svg>")
    assert f"<title>{place.name}: " not in svg
    chosen = client.get(f"/map/?place={place.slug}")
    assert chosen.status_code == 400
    assert place.name not in element(chosen.content.decode(), "<main", "</main>")
    publish(draft)
    svg = element(client.get("/map/").content.decode(), "<svg", "</svg>")
    assert f"<title>{place.name}: 1 event</title>" in svg
    assert client.get(f"/map/?place={place.slug}").status_code == 200


def test_draft_events_figures_stay_off_a_published_difference(client, draft, source):
    difference = Difference.objects.get(slug="security-personnel-killed")
    figure = police_figure(draft, source, Figure.Measure.SECURITY_KILLED)
    difference.figures.add(figure)
    html = client.get(difference.get_absolute_url()).content.decode()
    assert f'id="{figure.anchor}"' not in element(html, '<table class="figures">', "</table>")
    assert [f.pk for d in Difference.objects.with_related() for f in d.figures.all() if f.pk == figure.pk] == []
    publish(draft)
    html = client.get(difference.get_absolute_url()).content.decode()
    assert f'<tr id="{figure.anchor}">' in element(html, '<table class="figures">', "</table>")


def export(client, name, query=""):
    response = client.get(f"/export/{name}{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_json_export_lists_only_public_sources_actors_and_places(client, newcomers, draft, source):
    def listed():
        doc = json.loads(export(client, "timeline.json"))
        return {key: {row["id"] for row in doc[key]} for key in ("sources", "actors", "places")}

    before = listed()
    assert source.slug not in before["sources"]
    assert newcomers[0].slug not in before["actors"] and newcomers[1].slug not in before["places"]
    publish(draft)
    after = listed()
    assert source.slug in after["sources"]
    assert newcomers[0].slug in after["actors"] and newcomers[1].slug in after["places"]


def test_timelinejs_title_slide_counts_public_sources(client, draft):
    def title_slide():
        return json.loads(export(client, "timelinejs.json"))["title"]["text"]["text"]

    assert "As five articles published from 6 to 8 January 2022 reported it" in title_slide()
    publish(draft)
    assert "As six articles published from 6 to 8 January 2022 reported it" in title_slide()


def test_csv_and_annotation_exports_name_only_what_published_events_use(client, newcomers, draft, source):
    """These exports read only the selected published events' own relations, so they named
    nothing of a draft before public() either: this guards that they stay so."""
    actor, place = newcomers

    def named():
        rows = list(csv.DictReader(io.StringIO(export(client, "events.csv").decode("utf-8-sig"))))
        annotated = json.loads(export(client, "annotations.jsonld"))["first"]["items"]
        return (
            {slug for row in rows for slug in row["actor_ids"].split(";")},
            {slug for row in rows for slug in row["place_ids"].split(";")},
            {slug for row in rows for slug in row["source_ids"].split(";")},
            {item["target"]["source"] for item in annotated},
        )

    actors, places, sources, annotated = named()
    page = "http://testserver" + source.get_absolute_url()
    assert actor.slug not in actors and place.slug not in places
    assert source.slug not in sources and page not in annotated
    publish(draft)
    actors, places, sources, annotated = named()
    assert actor.slug in actors and place.slug in places
    assert source.slug in sources and page in annotated
