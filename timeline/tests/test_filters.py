"""The timeline's filters, through the page, its htmx fragment and the form itself."""

import datetime
import re

import pytest
from django.urls import reverse

from timeline import views
from timeline.forms import TimelineFilterForm
from timeline.models import Actor, Citation, Event, Figure, Place, Source
from timeline.search import index_events
from timeline.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def slugs(response):
    """Event slugs on a timeline response, in page order."""
    return re.findall(r'<article class="event [^"]*" id="([^"]+)"', response.content.decode())


def article(response, slug):
    """The HTML of one event's card on a timeline response."""
    html = response.content.decode()
    assert f'id="{slug}"' in html, f"no card for {slug}"
    start = html.rindex("<article ", 0, html.index(f'id="{slug}"'))
    return html[start : html.index("</article>", start)]


def timeline(client, query="", headers=None):
    return client.get(reverse("timeline:index") + ("?" + query if query else ""), headers=headers or {})


def strip_of(response):
    """The strip of days: its HTML, and for each day its date as a screen reader hears it ("6 January"),
    the count it shows, what it says of that count, its link, whether it is selected, and which bars
    (exact, uncertain, ongoing) and span bars are drawn in it."""
    html = response.content.decode().split('class="day-strip"')[1].split("</nav>")[0]
    days = []
    for attrs, cell in re.findall(r'<li( class="selected")?>(.*?)</li>', html.split("<ol>")[1].split("</ol>")[0], re.S):
        said = re.search(r'class="day-count">(\d+)<span class="visually-hidden">([^<]*)<', cell)
        link = re.search(r'<a href="\?([^"]*)"', cell)
        days.append({
            "date": re.search(r'class="day-label"><span class="visually-hidden">([^<]+)<', cell)[1],
            "count": int(said[1]),
            "said": said[2].strip(),
            "query": link[1].replace("&amp;", "&") if link else None,
            "selected": bool(attrs),
            "bars": re.findall(r'class="bar(?: bar--(\w+))?"', cell),
            "span_bars": re.findall(r'class="(span-bar[^"]*)"', cell),
        })  # fmt: skip
    return html, days


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


def test_as_known_on_shows_only_what_was_published_by_then(client, curated):
    response = timeline(client, "known_on=6 Jan")
    found = set(slugs(response))
    assert "atm-problems" not in found  # TASS, 8 January
    assert "cabinet-resigns" in found
    html = response.content.decode()
    later = Source.objects.filter(published_on__gt=datetime.date(2022, 1, 6))
    for citation in Citation.objects.filter(source__in=later):
        assert f'#{citation.anchor}"' not in html
    for figure in Figure.objects.filter(source__in=later):
        assert f'#{figure.anchor}"' not in html
    assert "As known on: 6 January 2022" in html and "As reported by" not in html


def test_as_known_on_withholds_summaries_written_from_later_reporting(client, make_event, source):
    later = Source.objects.create(
        slug="later", title="Later", outlet="Later Paper", published_on=datetime.date(2022, 1, 8),
        kind="newspaper", seed_file="later.txt", text="Police said 40 people were detained.",
    )  # fmt: skip
    event = make_event(slug="told-twice", title="Told twice")
    event.summary = "Protesters stormed the office; police said 40 were detained."
    event.save()
    Citation.objects.create(event=event, source=later, quote="40 people were detained")
    alone = make_event(slug="told-once", title="Told once")
    alone.summary = "Only the first wire told this."
    alone.save()

    card = article(timeline(client, "known_on=6 Jan"), "told-twice")
    assert "police said 40 were detained" not in card  # the summary says more than was known on 6 January
    assert "draws on later reporting" in card
    assert "Protesters stormed the mayor&#x27;s office" in card  # what was known: the 6 January passage
    assert "40 people were detained" not in card
    assert "Only the first wire told this." in article(timeline(client, "known_on=6 Jan"), "told-once")
    assert "police said 40 were detained" in article(timeline(client), "told-twice")


def test_the_old_name_of_as_known_on_still_works(client, curated):
    response = timeline(client, "reported_by=6+Jan")
    assert response.status_code == 302 and response["Location"] == "/?known_on=6+Jan"


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
    _, days = strip_of(timeline(client, "category=economy"))
    eighth = next(day for day in days if day["date"] == "8 January")
    assert eighth["query"] == "category=economy&start=2022-01-08&end=2022-01-08"


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
    """Two and a half chunks of published events over three days, each cited once, with an actor,
    a place and a figure, and found by search: enough for one query per card to show."""
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
    Figure.objects.bulk_create(
        Figure(event=e, source=source, quote="Protesters stormed", measure="detained", value=i, claimant_words="police",
               reported_on=source.published_on)
        for i, e in enumerate(events)
    )  # fmt: skip
    actor = Actor.objects.create(slug="police", name="Police", kind="security")
    place = Place.objects.create(slug="almaty", name="Almaty", kind="city")
    Event.actors.through.objects.bulk_create(Event.actors.through(event=e, actor=actor) for e in events)
    Event.places.through.objects.bulk_create(Event.places.through(event=e, place=place) for e in events)
    index_events([e.pk for e in events])  # bulk_create sends no signal
    return events


def test_results_come_in_bounded_chunks_with_a_more_link(client, many_events):
    first = timeline(client)
    assert slugs(first) == [f"event-{i:03}" for i in range(N)]
    html = first.content.decode()
    assert 'href="?page=2"' in html and 'data-hx-get="?page=2"' in html
    assert f"Show the next {N} events" in html
    assert f"{len(many_events)} events." in html


def test_the_more_link_loads_the_next_chunk_in_place_and_keeps_it_in_the_address(client, many_events):
    response = timeline(client, "page=2", HTMX)
    html = response.content.decode()
    assert slugs(response) == [f"event-{i:03}" for i in range(N, 2 * N)]
    assert "<html" not in html and 'id="results"' not in html
    assert 'data-hx-get="?page=3"' in html
    assert "HX-Push-Url" not in response
    assert response["HX-Replace-Url"] == "/?page=2"  # a reload, or Back from an event, keeps these events


def test_the_more_link_says_how_many_remain(client, many_events):
    html = timeline(client, "page=2", HTMX).content.decode()
    remaining = len(many_events) - 2 * N
    assert f"Show the next {remaining} events" in html and f"Show the next {N} events" not in html


def test_a_page_of_chunks_shows_every_chunk_up_to_it(client, many_events):
    """Without JavaScript, and after Back from an event, ?page=3 shows what the reader had loaded."""
    response = timeline(client, "page=3")
    assert slugs(response) == [f"event-{i:03}" for i in range(len(many_events))]
    html = response.content.decode()
    assert "<html" in html and "page=4" not in html
    assert "Back to the first events" not in html


def test_a_deep_page_shows_a_bounded_number_of_chunks(client, many_events, monkeypatch):
    monkeypatch.setattr(views, "PAGES_AT_ONCE", 2)
    response = timeline(client, "page=3")
    assert slugs(response) == [f"event-{i:03}" for i in range(N, len(many_events))]
    html = response.content.decode()
    assert "Back to the first events" in html
    assert f"showing from number {N + 1}" in html


def test_a_day_split_across_chunks_is_marked_continued(client, many_events):
    Event.objects.filter(slug=f"event-{N:03}").update(date=datetime.date(2022, 1, 2))
    html = timeline(client, "page=2", HTMX).content.decode()
    assert "(continued)" in html


def test_a_page_past_the_end_is_not_found(client, many_events):
    assert timeline(client, "page=4").status_code == 404
    assert timeline(client, "page=0").status_code == 400


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_queries_per_request_do_not_grow_with_events(client, many_events, django_assert_max_num_queries, headers):
    with django_assert_max_num_queries(20):
        response = timeline(client, "q=Event&category=protest", headers)
    assert slugs(response) == [f"event-{i:03}" for i in range(N)]


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
    html, days = strip_of(timeline(client))
    assert [day["date"] for day in days] == ["2 January", "3 January", "4 January", "5 January"]
    assert [day["query"] is not None for day in days] == [True, False, False, True]
    assert "Events per day, January 2022" in html


# A chosen day shows that day ---------------------------------------------------------------------


def headings(response):
    """The dates of the day sections' headings, in page order."""
    return re.findall(r'<section class="day[^"]*" id="day-(\d{4}-\d\d-\d\d)', response.content.decode())


@pytest.fixture
def spans(make_event):
    """An event of 6 January, one between 5 and 6 January, and one from 5 to 19 January."""
    return [
        make_event(slug="on-the-day", date="2022-01-06"),
        make_event(slug="uncertain", date="2022-01-05", end_date=datetime.date(2022, 1, 6), date_precision="between"),
        make_event(slug="emergency", date="2022-01-05", end_date=datetime.date(2022, 1, 19)),
        make_event(slug="day-before", date="2022-01-05"),
    ]


def test_a_chosen_day_shows_only_that_days_heading_with_spans_labelled(client, spans):
    response = timeline(client, "start=2022-01-06&end=2022-01-06")
    assert headings(response) == ["2022-01-06"]
    assert set(slugs(response)) == {"on-the-day", "uncertain", "emergency"}
    assert "Ongoing since 5 January (until 19 January)" in article(response, "emergency")
    assert "Between 5 and 6 January 2022: possibly on this day" in article(response, "uncertain")
    assert "Ongoing since" not in article(response, "on-the-day")
    count = response.content.decode().split('id="result-count"')[1].split("</p>")[0]
    assert "3 events on Thursday 6 January 2022, 2 of them with an uncertain date or spanning several days." in count


def test_a_range_has_no_heading_outside_it(client, spans):
    response = timeline(client, "start=6 Jan&end=8 Jan")
    assert all("2022-01-06" <= day <= "2022-01-08" for day in headings(response))
    html = response.content.decode()
    assert 'id="day-2022-01-05"' not in html


def test_each_day_of_the_strip_counts_what_its_link_shows(client, spans):
    _, days = strip_of(timeline(client))
    for day in days:
        assert len(slugs(timeline(client, day["query"]))) == day["count"], day["date"]
    counts = {day["date"]: day["count"] for day in days}
    assert counts["6 January"] == 3 and counts["19 January"] == 1  # the strip runs to the span's last day


def test_an_uncertain_date_is_drawn_on_each_of_its_days_and_said_to_be_uncertain(client, spans):
    days = {day["date"]: day for day in strip_of(timeline(client))[1]}
    for date in ("5 January", "6 January"):  # "between 5 and 6 January"
        assert "uncertain" in days[date]["bars"]  # a hatched bar: not colour alone
        assert "1 of them with an uncertain date that may be this day" in days[date]["said"]
    assert "uncertain" not in days["7 January"]["bars"]
    assert (
        days["6 January"]["said"] == "events, 1 of them with an uncertain date that may be this day, 1 still going on"
    )


def test_an_event_lasting_several_days_is_a_bar_across_them(client, spans):
    html, days = strip_of(timeline(client))
    bars = {day["date"]: day["span_bars"] for day in days}
    assert bars["5 January"] == ["span-bar span-bar--start"]
    assert bars["12 January"] == ["span-bar"]
    assert bars["19 January"] == ["span-bar span-bar--end"]
    assert "ongoing" in next(day for day in days if day["date"] == "12 January")["bars"]
    said = html.split('class="spans-said"')[1].split("</ul>")[0]
    assert "Emergency: 5 to 19 January" in said  # the text equivalent of the bar


def test_spans_beyond_the_strips_rows_are_counted_in_words(client, make_event):
    for n in range(5):
        make_event(slug=f"lasting-{n}", date="2022-01-03", end_date=datetime.date(2022, 1, 5 + n))
    html, days = strip_of(timeline(client))
    assert max(len(day["span_bars"]) for day in days) == 3
    assert "and 2 more events lasting several days" in html


def test_the_strip_marks_the_chosen_range(client, spans):
    _, days = strip_of(timeline(client, "start=5 Jan&end=6 Jan"))
    assert [day["date"] for day in days if day["selected"]] == ["5 January", "6 January"]


# Honest coverage --------------------------------------------------------------------------------


def test_the_page_says_what_the_collection_covers(client, curated):
    html = timeline(client).content.decode()
    lede = html.split('class="lede"')[1].split("</p>")[0]
    assert "five articles published from 6 to 8 January 2022" in lede
    assert "five articles published from 6 to 8 January 2022" in html.split('class="site-footer"')[1]


def test_a_day_without_events_says_no_article_reports_one(client, make_event):
    make_event(slug="first", date="2022-01-02")
    make_event(slug="later", date="2022-01-05")
    html = timeline(client).content.decode()
    gap = html.split('id="day-2022-01-03"')[1].split("</section>")[0]
    assert "Monday 3 January" in gap and "Tuesday 4 January 2022" in gap  # one section for the run of empty days
    assert "No article in the collection reports an event dated to these days" in gap
    assert 'id="day-2022-01-04"' not in html


def test_days_after_the_latest_article_are_not_covered(client, make_event):
    make_event(slug="first", date="2022-01-05")
    html = timeline(client, "start=5 Jan&end=9 Jan").content.decode()
    assert "Not covered: the latest article in the collection was published on 6 January 2022." in html
    html = timeline(client, "category=economy&start=5 Jan&end=6 Jan").content.decode()
    assert "No event matching these filters is dated to these days." in html


# Bugs a reader hits -----------------------------------------------------------------------------


def test_the_search_box_replaces_the_history_entry_while_a_submitted_change_adds_one(client, curated):
    typing = timeline(client, "q=Tokayev", HTMX | {"HX-Source": "input#id_q"})
    assert typing["HX-Replace-Url"] == "/?q=Tokayev" and "HX-Push-Url" not in typing
    ticking = timeline(client, "q=Tokayev&category=statement", HTMX | {"HX-Source": "form#filters"})
    assert ticking["HX-Push-Url"] == "/?q=Tokayev&category=statement" and "HX-Replace-Url" not in ticking


def test_a_date_chip_shows_the_date_as_understood(client, curated):
    html = timeline(client, "start=1/6/2022").content.decode()
    assert "Remove filter From: 1 June 2022" in html
    assert "Read as 1 June 2022, after the latest article in the collection (8 January 2022)" in html
    assert "Read as Saturday 8 January 2022" in timeline(client, "end=8 Jan").content.decode()


def test_an_unknown_actor_is_not_counted_as_chosen(client, curated):
    html = timeline(client, "actor=nobody").content.decode()
    assert "Actors <span" not in html.split('name="actor"')[0].split("<summary>")[-1]
    html = timeline(client, "actor=tokayev").content.decode()
    assert 'Actors <span class="count">(1 chosen)</span>' in html
