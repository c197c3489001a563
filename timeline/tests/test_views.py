import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from timeline.models import Citation, Event, Figure, Source

from .conftest import timeline_chunks

pytestmark = pytest.mark.django_db


class IdCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id"]


def ids_in(html):
    collector = IdCollector()
    collector.feed(html)
    return collector.ids


def test_index_shows_context_first_then_one_section_per_day_in_order(client, make_event):
    make_event(slug="later", date="2022-01-06", title="Troops arrive")
    make_event(slug="earlier", date="2022-01-05", title="Buildings stormed")
    make_event(slug="handover", date="2019-03-19", title="Handover", date_precision="year")
    make_event(slug="hidden", date="2022-01-05", title="A draft", status=Event.Status.DRAFT)
    response = client.get(reverse("timeline:index"))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [
        html.index(text)
        for text in (
            "Before 2 January",
            "Handover",
            "Wednesday 5 January 2022",
            "Buildings stormed",
            "Thursday 6 January 2022",
            "Troops arrive",
        )
    ]
    assert positions == sorted(positions)
    assert "A draft" not in html


def test_events_within_a_day_follow_day_order_then_time(client, make_event):
    make_event(slug="b", day_order=20, title="Second thing")
    make_event(slug="a", day_order=10, title="First thing")
    html = client.get(reverse("timeline:index")).content.decode()
    assert html.index("First thing") < html.index("Second thing")


def test_every_reference_on_the_timeline_reaches_an_anchor_on_its_source_page(client, curated):
    html = "".join(timeline_chunks(client))
    links = set(re.findall(r'href="(/sources/[^"#]+/)#([^"]+)"', html))
    assert len(links) >= Citation.objects.count()
    pages = {}
    for path, anchor in links:
        if path not in pages:
            response = client.get(path)
            assert response.status_code == 200
            pages[path] = set(ids_in(response.content.decode()))
        assert anchor in pages[path], f"{path}#{anchor}"


def test_the_timeline_shows_every_published_event_of_the_curated_data(client, curated):
    html = "".join(timeline_chunks(client))
    for event in Event.objects.published():
        assert f'id="{event.slug}"' in html


def test_event_page_shows_quotes_sources_actors_places_and_figures(client, curated):
    figure = Figure.objects.select_related("event", "source").first()
    event = figure.event
    html = client.get(event.get_absolute_url()).content.decode()
    assert event.title in html
    for citation in event.citations.all():
        assert citation.anchor in html
    for actor in event.actors.all():
        assert actor.name in html
    for place in event.places.all():
        assert place.name in html
    assert figure.claimant in html and figure.display_value in html


def test_source_page_highlights_every_cited_passage_and_links_back(client, curated):
    source = Source.objects.get(slug="moscow-times-afp")
    response = client.get(source.get_absolute_url())
    html = response.content.decode()
    ids = set(ids_in(html))
    for citation in source.citations.select_related("event"):
        assert citation.anchor in ids
        assert citation.event.get_absolute_url() in html
    assert "<mark" in html
    assert source.url in html


def test_source_list_shows_every_source(client, curated):
    html = client.get(reverse("timeline:source_list")).content.decode()
    for source in Source.objects.all():
        assert source.get_absolute_url() in html


def test_figures_page_puts_each_sources_number_side_by_side(client, curated):
    html = client.get(reverse("timeline:figure_list")).content.decode()
    section = html[html.index('id="security_killed"') :]
    section = section[: section.index("</section>")]
    assert "13" in section and "18" in section
    assert "sources differ" in section
    assert "The Moscow Times" in section


@pytest.mark.parametrize("name", ["timeline:event_detail", "timeline:source_detail"])
def test_unknown_slugs_give_a_404_page(client, name, db):
    response = client.get(reverse(name, args=["no-such-thing"]))
    assert response.status_code == 404
    assert b"Not found" in response.content


def test_drafts_have_no_public_page(client, make_event):
    event = make_event(status=Event.Status.DRAFT)
    assert client.get(event.get_absolute_url()).status_code == 404


def test_pages_refuse_post(client, db):
    assert client.post(reverse("timeline:index")).status_code == 405


@pytest.mark.parametrize("name", ["timeline:index", "timeline:source_list", "timeline:figure_list"])
def test_list_pages_use_a_bounded_number_of_queries(client, curated, django_assert_max_num_queries, name):
    with django_assert_max_num_queries(20):  # the timeline, with every card to render: its worst case
        assert client.get(reverse(name)).status_code == 200


def test_cached_event_cards_change_with_the_data(client, make_event, django_capture_on_commit_callbacks):
    event = make_event(title="First title")
    assert "First title" in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        event.actors.create(slug="someone", name="Someone New", kind="person")
    assert "Someone New" in client.get("/").content.decode()  # a related change retires the card
    with django_capture_on_commit_callbacks(execute=True):
        event.citations.update(note="")  # bulk updates send no signal...
        event.title = "Second title"
        event.save()  # ...but a save does, and moves the version on
    html = client.get("/").content.decode()
    assert "Second title" in html and "First title" not in html
