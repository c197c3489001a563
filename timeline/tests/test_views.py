import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.autoreload import file_changed
from django.utils.html import escape

from timeline import editing
from timeline.models import Actor, Citation, DateBasis, Event, EventChange, Figure, Source
from timeline.urls import timeline_patterns

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
    figure = Figure.objects.select_related("event", "source", "claimant").exclude(claimant=None).first()
    event = figure.event
    html = client.get(event.get_absolute_url()).content.decode()
    assert event.title in html
    for citation in event.citations.all():
        assert citation.anchor in html
    for actor in event.actors.all():
        assert actor.name in html
    for place in event.places.all():
        assert place.name in html
    row = html[html.index(f'<tr id="{figure.anchor}">') :].split("</tr>")[0]
    assert f'<a href="{figure.claimant.get_absolute_url()}">{figure.claimant.name}</a>' in row
    assert figure.display_value in row


def test_a_figures_claimant_links_to_its_actor_beside_the_articles_words(client, curated):
    """The actor's name links to its page; the article's words for it stay beside it, and a number
    the article reports in its own voice says so."""
    html = client.get("/figures/").content.decode()

    def row(figure):
        return html[html.index(f'<tr id="{figure.anchor}">') :].split("</tr>")[0]

    ministry = Figure.objects.get(claimant__slug="kazakh-interior-ministry", claimant_words="the Interior Ministry")
    cell = row(ministry).split('<td class="claimant">')[1].split("</td>")[0]
    link = f'<a href="{ministry.claimant.get_absolute_url()}">Interior Ministry of Kazakhstan</a>'
    assert cell == f"{link}: “the Interior Ministry”"
    own = Figure.objects.filter(claimant=None, claimant_words="").first()
    assert '<td class="claimant">The article\'s own reporting</td>' in row(own)
    unnamed = Figure.objects.filter(claimant=None).exclude(claimant_words="").first()
    assert f'<td class="claimant">Not named: “{unnamed.claimant_words}”</td>' in row(unnamed)


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


def figure_sections(client):
    """{section id: its HTML} on the figures page."""
    html = client.get(reverse("timeline:figure_list")).content.decode()
    return dict(re.findall(r'<section id="([^"]+)"(.*?)</section>', html, re.S))


def test_figures_page_puts_each_sources_number_side_by_side(client, curated):
    killed = [s for s in figure_sections(client).values() if "Security personnel killed" in s]
    section = next(s for s in killed if "13" in s and "18" in s)  # AFP's first and later editions
    assert '<span class="badge">reports differ</span>' in section
    assert "The Moscow Times" in section


def test_figures_are_compared_only_within_one_measure_and_scope(client, make_event, source):
    event = make_event()
    second = Source.objects.create(
        slug="second", title="Second", outlet="Other Paper", published_on="2022-01-07", kind="newspaper",
        seed_file="second.txt", text="Police said 14 people were detained in Almaty.",
    )  # fmt: skip
    for where, value, scope in ((source, 12, ""), (second, 14, ""), (second, 14, "in Almaty")):
        Figure.objects.create(
            event=event, source=where, measure="detained", value=value, scope=scope, claimant_words="police",
            reported_on=where.published_on, quote="people were", note="",
        )  # fmt: skip
    sections = figure_sections(client)
    assert set(sections) == {"detained", "detained-in-almaty"}
    assert "reports differ" in sections["detained"]
    assert "reports differ" not in sections["detained-in-almaty"]  # one number for Almaty: nothing to compare


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


def card(client, slug, path="/"):
    """The HTML of one event's card: only what the card shows (the filters list every actor too)."""
    html = client.get(path).content.decode()
    start = html.rindex("<article ", 0, html.index(f'id="{slug}"'))
    return html[start : html.index("</article>", start)]


def test_cached_event_cards_change_with_the_data(client, make_event):
    event = make_event(title="First title")
    assert "First title" in card(client, event.slug)
    someone = editing.save_curated(Actor(slug="someone", name="Someone New", kind="person"))
    editing.save_event(event, note="Actor named.", write_related=lambda event: event.actors.add(someone))
    assert "Someone New" in card(client, event.slug)  # a related change retires the card
    editing.save_event(event, note="Note added.", write_related=lambda event: event.citations.update(note="A note"))
    assert "A note" in card(client, event.slug)
    event.title = "Second title"
    editing.save_event(event, note="Retitled.")
    shown = card(client, event.slug)
    assert "Second title" in shown and "First title" not in shown


def test_readers_never_see_stale_cards_even_after_the_cache_is_emptied(client, make_event):
    """Rendered cards are keyed by the durable data version: emptying or losing the shared
    cache (an expired entry, a culled one, a restart) cannot bring back an old card."""
    event = make_event(title="A title")
    actor = editing.save_curated(Actor(slug="someone", name="First Name", kind="person"))
    editing.save_event(event, note="Actor named.", write_related=lambda event: event.actors.add(actor))
    assert "First Name" in client.get("/").content.decode()
    actor.name = "Corrected Name"
    editing.save_curated(actor)  # the card's event is unchanged: only the data version says the card is stale
    assert "Corrected Name" in client.get("/").content.decode()
    caches["rendered"].clear()
    html = client.get("/").content.decode()
    assert "Corrected Name" in html and "First Name" not in html


def test_corroboration_is_counted_in_words_never_overstated(client, make_event, source):
    """Three passages from two printings of one AFP story are one origin, not three sources."""
    reprint = Source.objects.create(
        slug="reprint", title="Reprint", outlet="Other Paper", origin="AFP", published_on="2022-01-06",
        kind="newspaper", seed_file="reprint.txt", text="Protesters stormed the mayor's office on Wednesday.",
    )  # fmt: skip
    event = make_event()

    def cite_the_reprint(event):
        Citation.objects.create(event=event, source=reprint, quote="Protesters stormed")
        Citation.objects.create(event=event, source=reprint, quote="on Wednesday")

    editing.save_event(event, note="Reprint cited.", write_related=cite_the_reprint)
    html = client.get("/").content.decode()
    card = html[html.index(f'id="{event.slug}"') :]
    summary = card[card.index("<summary>") : card.index("</summary>")]
    assert "3 passages from 2 articles of one origin (AFP)" in summary
    assert "source" not in card[: card.index("</article>")].replace("/sources/", "").lower()
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Behind this event: 3 passages from 2 articles of one origin (AFP)." in page
    own = Source.objects.create(
        slug="own", title="Own", outlet="Own Paper", published_on="2022-01-07", kind="newspaper",
        seed_file="own.txt", text="The office burned.", rights_holder="Own Paper",
    )  # fmt: skip
    editing.save_event(
        event,
        note="Own reporting cited.",
        write_related=lambda event: Citation.objects.create(event=event, source=own, quote="The office burned."),
    )
    assert "4 passages from 3 articles, 2 independent origins" in client.get(event.get_absolute_url()).content.decode()


def test_the_back_link_of_an_event_in_a_later_chunk_leads_to_it(client, curated, monkeypatch):
    monkeypatch.setattr("timeline.views.PAGE_SIZE", 20)
    last = Event.objects.published().order_by("date", "day_order", "time", "slug").last()
    position = Event.objects.published().before(last).count()
    html = client.get(last.get_absolute_url()).content.decode()
    back = re.search(r'<p class="breadcrumb"><a href="([^"]+)">← Timeline', html).group(1)
    assert back == f"/?page={position // 20 + 1}#{last.slug}"
    assert f'id="{last.slug}"' in client.get(back.split("#")[0]).content.decode()


def test_before_follows_the_timelines_order(curated):
    ordered = list(Event.objects.published())
    for number, event in enumerate(ordered):
        assert Event.objects.published().before(event).count() == number, event.slug


def test_the_sources_are_listed_by_date_of_publication(client, curated):
    html = client.get(reverse("timeline:source_list")).content.decode()
    dates = re.findall(r'<td><time datetime="(\d{4}-\d\d-\d\d)"', html)
    assert dates == sorted(dates) and len(dates) == Source.objects.count()


def test_the_event_pages_date_line_has_one_separator(client, curated):
    html = client.get(reverse("timeline:event_detail", args=["cabinet-resigns"])).content.decode()
    when = html.split('<p class="event-when">')[1].split("</p>")[0]
    assert "·" not in when  # the stylesheet draws the separator; a literal one doubled it


@pytest.mark.parametrize("basis", [DateBasis.RESOLVED, DateBasis.OUTSIDE])
def test_a_date_not_stated_in_the_articles_shows_its_basis(client, make_event, basis):
    event = make_event(date_basis=basis, date_basis_note="Told “on Wednesday” in a Thursday 6 January story.")
    shown = f"<strong>{escape(event.date_basis_label)}:</strong> Told “on Wednesday” in a Thursday 6 January story."
    assert shown in client.get(event.get_absolute_url()).content.decode()
    html = client.get("/").content.decode()
    assert shown in html[html.index(f'id="{event.slug}"') :]


def test_a_stated_date_needs_no_explanation(client, make_event):
    event = make_event(date_basis=DateBasis.STATED, date_basis_note="")
    assert 'class="date-basis"' not in client.get(event.get_absolute_url()).content.decode()


def test_with_debug_on_a_bad_filter_still_shows_its_message_in_place(client, curated, settings):
    """django-htmx's debug script replaces the whole page with any 4xx response; the
    timeline's own 400 fragment must be swapped in place like in production."""
    settings.DEBUG = True
    html = client.get("/").content.decode()
    assert "django-htmx.js" not in html
    response = client.get("/?start=banana", headers={"HX-Request": "true"})
    assert response.status_code == 400 and 'class="error-summary"' in response.content.decode()


def test_the_favicon_redirect_is_not_permanent(client, db):
    """Its target is a hashed file that changes with the icon: browsers must not remember the redirect."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("favicon.svg")


@pytest.mark.parametrize("path", ["/", "/?category=violence", "/events/storming/", "/sources/", "/figures/"])
def test_a_reload_of_an_unchanged_page_is_answered_304(client, make_event, path):
    event = make_event()
    first = client.get(path)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert client.get(path, headers={"if-none-match": first["ETag"]}).status_code == 304
    event.title = "Changed"
    editing.save_event(event, note="Retitled.")
    changed = client.get(path, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_a_page_is_rendered_once_per_data_version(client, curated, django_assert_max_num_queries):
    rendered = client.get("/?category=violence").content
    with django_assert_max_num_queries(1):  # the data version, nothing else
        assert client.get("/?category=violence").content == rendered
    fragment = client.get("/?category=violence", headers={"HX-Request": "true"})
    assert fragment.content != rendered and b"<html" not in fragment.content  # each variant has its own entry
    assert fragment["HX-Push-Url"] == "/?category=violence"
    again = client.get("/?category=violence", headers={"HX-Request": "true"})
    assert again.content == fragment.content and again["HX-Push-Url"] == "/?category=violence"


def test_an_edited_template_is_shown_at_once_under_make_run(client, curated):
    """runserver's reloader announces an edited template; the rendered pages must not outlive it."""

    def queries_to_serve_the_page():
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        return len(queries)

    queries_to_serve_the_page()
    assert queries_to_serve_the_page() == 1  # the data version: served from the cache
    file_changed.send(sender=None, file_path=settings.BASE_DIR / "templates" / "base.html")
    assert queries_to_serve_the_page() > 1  # rendered again


def test_signed_in_editors_never_get_a_cached_page(client, admin_user, make_event):
    event = make_event(status=Event.Status.DRAFT)
    assert client.get(event.get_absolute_url()).status_code == 404
    client.force_login(admin_user)
    assert "Draft preview" in client.get(event.get_absolute_url()).content.decode()


def test_an_absurd_end_date_saved_past_validation_keeps_the_pages_light(client, make_event):
    """An end date typed as 2222, saved through the ORM (as an import or a shell could): the
    strip of days draws at most a year of days, and the dates are given in words."""
    event = make_event(slug="endless", title="Endless")
    Event.objects.filter(pk=event.pk).update(end_date="2222-12-31")
    page = client.get(event.get_absolute_url()).content.decode()
    assert len(page) < 1_000_000
    assert "5 January 2022 to 31 December 2222" in page
    timeline = client.get(reverse("timeline:index")).content.decode()
    assert len(timeline) < 1_000_000
    strip = timeline.split('class="day-strip"')[1].split("</nav>")[0]
    days = strip.split("<ol>")[1].split("</ol>")[0]
    assert days.count("<li") == 367  # from the first day, as long as an event may last
    assert "Endless: 5 January 2022 to 31 December 2222" in strip
    later = client.get(reverse("timeline:index"), {"start": "2022-01-07"}).content.decode()
    card = later.split('id="endless"')[1].split("</article>")[0]
    assert "Ongoing since 5 January 2022 (until 31 December 2222)" in card


def test_an_actors_page_lists_the_numbers_it_gave(client, curated):
    ministry = Actor.objects.get(slug="kazakh-interior-ministry")
    html = client.get(ministry.get_absolute_url()).content.decode()
    section = html[html.index('aria-labelledby="figures-heading"') :].split("</section>")[0]
    for figure in Figure.objects.published().filter(claimant=ministry):
        assert f'<tr id="{figure.anchor}">' in section
    assert len(re.findall(r'<tr id="f\d+">', section)) == Figure.objects.published().filter(claimant=ministry).count()


def test_a_step_chart_says_who_gave_each_value(client, curated):
    section = figure_sections(client)["security_killed-nationwide"]
    table = section[section.index('<table class="figures step-table">') :].split("</table>")[0]
    rows = re.findall(r"<tr><td>\d+</td><td class=\"number\">([^<]*)</td><td>([^<]*)</td>", table)
    assert ("13", "Government of Kazakhstan") in rows and ("18", "Almaty police") in rows


@pytest.fixture
def public_changes(curated):
    """A public change to a dozen events, so that /changes/ and its feeds have rows to repeat a query for."""
    events = list(Event.objects.published()[:12])
    for event in events:
        EventChange.objects.create(event=event, kind=EventChange.Kind.CORRECTED, note="Corrected the date.")
    editing.data_changed(event_ids=[event.pk for event in events])


#: Every public page and export with its query budget: what it makes today with the curated data
#: (73 events, 57 actors, 40 differences, 21 places, 5 sources, 12 public changes) and a little
#: room, less than a query per row would add.
QUERY_BUDGETS = {
    "timeline:index": 20,
    "timeline:event_detail": 12,
    "timeline:source_list": 5,
    "timeline:source_detail": 8,
    "timeline:figure_list": 6,
    "timeline:map": 7,
    "timeline:embed": 12,
    "timeline:change_list": 5,
    "timeline:changes_feed": 4,
    "timeline:changes_json_feed": 4,
    "timeline:difference_list": 10,
    "timeline:words_used": 6,
    "timeline:difference_detail": 10,
    "timeline:actor_list": 5,
    "timeline:actor_detail": 7,
    "timeline:place_list": 5,
    "timeline:place_detail": 7,
    "timeline:source_csl": 4,
    "timeline:export_timeline_json": 20,
    "timeline:export_timelinejs": 13,
    "timeline:export_events_csv": 10,
    "timeline:export_figures_csv": 9,
    "timeline:export_differences_csv": 9,
    "timeline:export_annotations": 10,
    "timeline:export_schema": 1,
}
EXAMPLE_SLUGS = {
    "timeline:event_detail": "nazarbayev-rule-begins",
    "timeline:source_detail": "moscow-times-afp",
    "timeline:difference_detail": "who-held-almaty-airport",
    "timeline:actor_detail": "tokayev",
    "timeline:place_detail": "almaty",
}


def test_every_public_page_has_a_query_budget():
    names = {f"timeline:{pattern.name}" for pattern in timeline_patterns}
    assert names == set(QUERY_BUDGETS)


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
@pytest.mark.parametrize(("name", "budget"), QUERY_BUDGETS.items())
def test_every_public_page_makes_a_bounded_number_of_queries(
    client, public_changes, django_assert_max_num_queries, name, budget, headers
):
    args = [EXAMPLE_SLUGS[name]] if name in EXAMPLE_SLUGS else []
    with django_assert_max_num_queries(budget):
        response = client.get(reverse(name, args=args), headers=headers)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
