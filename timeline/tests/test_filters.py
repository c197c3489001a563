"""The timeline's filters, through the page, its htmx fragment and the form itself."""

import datetime
import re

import pytest
from django.urls import reverse

from timeline.forms import TimelineFilterForm
from timeline.models import Citation, Event, Source
from timeline.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def slugs(response):
    """Event slugs on a timeline response, in page order."""
    return re.findall(r'<article class="event [^"]*" id="([^"]+)"', response.content.decode())


def timeline(client, query="", headers=None):
    return client.get(reverse("timeline:index") + ("?" + query if query else ""), headers=headers or {})


@pytest.mark.parametrize(
    "typed", ["2022-01-05", "2022-1-5", "5 Jan", "January 5 2022", "jan 5", "5/1/2022", "05.01.2022"]
)
def test_dates_are_read_the_way_people_type_them(typed):
    form = TimelineFilterForm({"start": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == datetime.date(2022, 1, 5)


@pytest.mark.parametrize("typed", ["32 Jan", "2022-13-01", "tomorrow", "Jan 5 at noon-ish", "x" * 41])
def test_impossible_dates_are_refused_with_a_message(client, curated, typed):
    response = timeline(client, f"start={typed}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_start_error"' in html
    assert 'aria-invalid="true"' in html
    assert "<form" in html  # the page still renders, so the reader can fix the value


def test_an_end_before_the_start_is_refused(client, curated):
    response = timeline(client, "start=8 Jan&end=5 Jan")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


def test_an_unknown_actor_is_refused(client, curated):
    response = timeline(client, "actor=nobody")
    assert response.status_code == 400
    assert "nobody" in response.content.decode()


def test_a_bad_filter_in_an_htmx_request_gets_an_error_fragment(client, curated):
    response = timeline(client, "start=32 Jan", HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html
    assert 'class="error-summary" role="alert"' in html
    assert 'href="#id_start"' in html


def test_date_range_keeps_events_overlapping_it(client, curated):
    found = set(slugs(timeline(client, "start=6 Jan&end=6 Jan")))
    assert "russian-troops-arrive" in found
    assert "almaty-overnight-battles" in found  # between 5 and 6 January
    assert "state-of-emergency" in found  # 5 to 19 January
    assert "cabinet-resigns" not in found  # 5 January
    assert "almaty-ringed-by-checkpoints" not in found  # 8 January


def test_search_finds_name_variants(client, curated):
    alma_ata = set(slugs(timeline(client, "q=Alma-Ata")))
    almaty = set(
        Event.objects.published()
        .located_at([Event.places.field.related_model.objects.get(slug="almaty")])
        .values_list("slug", flat=True)
    )
    assert almaty <= alma_ata
    zhomart = set(slugs(timeline(client, "q=Zhomart")))
    assert "tokayev-appeals-to-csto" in zhomart
    assert "cabinet-resigns" in zhomart


def test_search_matches_quotes_and_needs_every_word(client, curated):
    assert slugs(timeline(client, "q=heads cut off")) != []
    assert "officials-security-toll" in slugs(timeline(client, "q=heads cut off"))
    assert slugs(timeline(client, "q=heads zebra")) == []


@pytest.mark.parametrize(
    ("query", "expected", "unexpected"),
    [
        ("actor=csto", "csto-troops-dispatched", "cabinet-resigns"),
        ("actor=csto&actor=tokayev", "cabinet-resigns", "atm-problems"),
        ("place=taldykorgan", "taldykorgan-statue-toppled", "cabinet-resigns"),
        ("category=economy", "atm-problems", "cabinet-resigns"),
        ("source=tass", "atm-problems", "cabinet-resigns"),
        ("kind=tabloid", "bodies-on-central-square", "atm-problems"),
        ("kind=state_agency&category=economy", "atm-problems", "bodies-on-central-square"),
    ],
)
def test_each_filter_narrows_the_timeline(client, curated, query, expected, unexpected):
    response = timeline(client, query)
    assert response.status_code == 200
    found = slugs(response)
    assert expected in found
    assert unexpected not in found


def test_filters_combine(client, curated):
    found = set(slugs(timeline(client, "actor=tokayev&source=tass&start=5 Jan&end=5 Jan")))
    assert found == {"tokayev-appeals-to-csto"} | (found - {"tokayev-appeals-to-csto"})
    for slug in found:
        event = Event.objects.get(slug=slug)
        assert event.actors.filter(slug="tokayev").exists()
        assert event.citations.filter(source__slug="tass").exists()


def test_as_reported_by_shows_only_what_was_published_by_then(client, curated):
    response = timeline(client, "reported_by=6 Jan")
    found = set(slugs(response))
    assert "atm-problems" not in found  # TASS, 8 January
    assert "cabinet-resigns" in found
    html = response.content.decode()
    later = Source.objects.filter(published_on__gt=datetime.date(2022, 1, 6))
    for citation in Citation.objects.filter(source__in=later):
        assert f'#{citation.anchor}"' not in html


def test_the_result_count_is_announced(client, curated):
    html = timeline(client, "category=economy").content.decode()
    count = Event.objects.published().filter(category="economy").count()
    assert re.search(rf'role="status"[^>]*>{count} events match the filters\.', html)


def test_active_filters_are_removable_chips(client, curated):
    html = timeline(client, "category=economy&actor=tokayev").content.decode()
    assert 'aria-label="Remove filter Category: Economy and daily life"' in html
    assert 'href="?actor=tokayev"' in html
    assert 'href="?category=economy"' in html
    assert ">Clear all</a>" in html


def test_the_day_strip_counts_events_per_day_and_filters_by_day(client, curated):
    html = timeline(client, "category=economy").content.decode()
    strip = html.split('class="day-strip"')[1].split("</nav>")[0]
    assert "category=economy&amp;start=2022-01-08&amp;end=2022-01-08" in strip
    assert "8 Jan" in strip


def test_an_htmx_filter_request_gets_only_the_results_and_the_count(client, curated):
    response = timeline(client, "q=&category=economy&start=", HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert html.lstrip().startswith('<div id="results"')
    assert 'id="result-count" data-hx-swap-oob="innerHTML"' in html
    assert response["HX-Push-Url"] == "/?category=economy"
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, curated):
    response = timeline(client, "category=economy", HTMX | {"HX-History-Restore-Request": "true"})
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_a_plain_form_submission_is_redirected_to_the_compact_url(client, curated):
    response = timeline(client, "q=&category=economy&start=&end=")
    assert response.status_code == 302
    assert response["Location"] == "/?category=economy"


def test_a_filtered_url_renders_the_same_results_server_side(client, curated):
    page = slugs(timeline(client, "category=statement&place=almaty"))
    fragment = slugs(timeline(client, "category=statement&place=almaty", HTMX))
    assert page == fragment != []


N = PAGE_SIZE  # events per response


@pytest.fixture
def many_events(db, source):
    """Two and a half chunks of published events over three days, each cited once."""
    events = Event.objects.bulk_create(
        Event(
            slug=f"event-{i:03}",
            title=f"Event {i:03}",
            summary="Summary.",
            category="protest",
            date=datetime.date(2022, 1, 2 + i // N),
            day_order=i,
            status=Event.Status.PUBLISHED,
        )
        for i in range(N * 5 // 2)
    )
    Citation.objects.bulk_create(Citation(event=e, source=source, quote="Protesters stormed") for e in events)
    return events


def test_results_come_in_bounded_chunks_with_a_more_link(client, many_events):
    assert PAGE_SIZE <= 100
    first = timeline(client)
    assert slugs(first) == [f"event-{i:03}" for i in range(N)]
    html = first.content.decode()
    assert 'href="?page=2"' in html and 'data-hx-get="?page=2"' in html
    assert f"{len(many_events)} events." in html


def test_the_more_link_loads_the_next_chunk_in_place(client, many_events):
    response = timeline(client, "page=2", HTMX)
    html = response.content.decode()
    assert slugs(response) == [f"event-{i:03}" for i in range(N, 2 * N)]
    assert "<html" not in html and 'id="results"' not in html
    assert 'data-hx-get="?page=3"' in html
    assert "HX-Push-Url" not in response


def test_without_javascript_the_more_link_is_a_plain_page(client, many_events):
    response = timeline(client, "page=3")
    assert slugs(response) == [f"event-{i:03}" for i in range(2 * N, len(many_events))]
    html = response.content.decode()
    assert "<html" in html and "page=4" not in html
    assert "Back to the first events" in html


def test_a_day_split_across_chunks_is_marked_continued(client, many_events):
    Event.objects.filter(slug=f"event-{N:03}").update(date=datetime.date(2022, 1, 2))
    html = timeline(client, "page=2").content.decode()
    assert "(continued)" in html


def test_a_page_past_the_end_is_not_found(client, many_events):
    assert timeline(client, "page=4").status_code == 404
    assert timeline(client, "page=0").status_code == 400


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_queries_per_request_do_not_grow_with_events(client, many_events, django_assert_max_num_queries, headers):
    with django_assert_max_num_queries(20):
        assert timeline(client, "q=Event&category=protest", headers).status_code == 200


def test_actor_and_place_pages(client, curated):
    assert "Kassym-Zhomart Tokayev" in client.get(reverse("timeline:actor_detail", args=["tokayev"])).content.decode()
    html = client.get(reverse("timeline:place_detail", args=["almaty"])).content.decode()
    assert "Alma-Ata" in html and "/?place=almaty" in html
    for name in ("timeline:actor_list", "timeline:place_list"):
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("timeline:actor_detail", args=["nobody"])).status_code == 404
    assert client.get(reverse("timeline:place_detail", args=["nowhere"])).status_code == 404


def test_event_chips_link_to_the_filtered_timeline(client, curated):
    html = timeline(client).content.decode()
    assert 'href="/?actor=tokayev"' in html
    assert 'href="/?place=almaty"' in html
    assert 'href="/?category=protest"' in html


def test_the_day_strip_keeps_days_without_events(client, make_event):
    make_event(slug="first", date="2022-01-02")
    make_event(slug="last", date="2022-01-05")
    strip = timeline(client).content.decode().split('class="day-strip"')[1].split("</nav>")[0]
    assert re.findall(r'class="day-label">([^<]+)<', strip) == ["2 Jan", "3 Jan", "4 Jan", "5 Jan"]
    assert strip.count("<a ") == 2
