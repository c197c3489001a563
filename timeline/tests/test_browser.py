"""What only a browser shows: htmx swaps, URL history, JavaScript off, keyboard use,
accessibility (axe-core) and a clean console under the strict CSP.

Runs Debian's Chromium (``/usr/bin/chromium``, or $CHROMIUM) through Playwright
against pytest-django's live server."""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect, sync_playwright

from timeline.models import Citation, Event, Source
from timeline.views import PAGE_SIZE

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"The browser tests need Chromium at {CHROMIUM}: apt-get install chromium (or set $CHROMIUM).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, curated):
    return live_server.url


def open_page(browser, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


@pytest.fixture
def page(browser):
    page = open_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def page_without_js(browser):
    page = open_page(browser, java_script_enabled=False)
    yield page
    page.context.close()


def mark_document(page):
    """Tag the loaded document: the tag survives htmx swaps and is lost on a full page load."""
    page.evaluate("window.sameDocument = true")


def still_same_document(page):
    return page.evaluate("window.sameDocument === true")


def result_count(page):
    return page.locator("#result-count").inner_text()


def test_a_filter_updates_results_and_url_without_a_full_reload(site, page):
    page.goto(site + "/")
    mark_document(page)
    page.fill("#id_q", "Zhomart")
    expect(page).to_have_url(site + "/?q=Zhomart")
    expect(page.locator("#result-count")).to_have_text("6 events match the filters.")
    page.locator("summary", has_text="Categories").click()
    page.check("input[name=category][value=statement]")
    expect(page).to_have_url(site + "/?q=Zhomart&category=statement")
    assert page.locator("article.event").count() == int(result_count(page).split()[0])
    assert still_same_document(page)
    assert page.console_errors == []


def test_back_restores_the_earlier_results(site, page):
    page.goto(site + "/?place=almaty")
    almaty_count = result_count(page)
    page.locator("summary", has_text="Categories").click()
    page.check("input[name=category][value=economy]")
    expect(page).to_have_url(site + "/?category=economy&place=almaty")
    assert result_count(page) != almaty_count
    page.go_back()
    expect(page).to_have_url(site + "/?place=almaty")
    expect(page.locator("#result-count")).to_have_text(almaty_count)
    expect(page.locator("input[name=category][value=economy]")).not_to_be_checked()
    page.go_forward()
    expect(page).to_have_url(site + "/?category=economy&place=almaty")
    expect(page.locator("input[name=category][value=economy]")).to_be_checked()
    assert page.console_errors == []


def test_removing_a_chip_and_picking_a_day_swap_the_page_in_place(site, page):
    page.goto(site + "/?q=Zhomart&category=statement")
    mark_document(page)
    page.get_by_role("link", name="Remove filter Category: Statement or claim").click()
    expect(page).to_have_url(site + "/?q=Zhomart")
    expect(page.locator("input[name=category][value=statement]")).not_to_be_checked()
    page.locator(".day-strip a").first.click()
    expect(page).to_have_url(site + "/?q=Zhomart&start=2022-01-05&end=2022-01-05")
    expect(page.locator("#id_start")).to_have_value("2022-01-05")
    assert still_same_document(page)
    assert page.console_errors == []


def test_a_bad_date_shows_its_message_without_losing_the_page(site, page):
    page.goto(site + "/")
    page.fill("#id_start", "32 Jan")
    page.press("#id_start", "Tab")
    expect(page.locator(".error-summary")).to_contain_text("Could not read “32 Jan” as a date")
    expect(page.locator("#result-count")).to_have_text("Some filters could not be understood.")


def test_without_javascript_the_form_filters_by_plain_get(site, page_without_js):
    page = page_without_js
    page.goto(site + "/")
    page.locator("summary", has_text="Categories").click()
    page.check("input[name=category][value=economy]")
    page.fill("#id_q", "bread")
    page.get_by_role("button", name="Show events").click()
    expect(page).to_have_url(site + "/?q=bread&category=economy")
    expect(page.locator("#result-count")).to_have_text("1 event matches the filters.")
    assert page.locator("article.event").count() == 1


@pytest.fixture
def many_events(site):
    source = Source.objects.get(slug="tass")
    events = Event.objects.bulk_create(
        Event(
            slug=f"synthetic-{i:03}",
            title=f"Synthetic event {i:03}",
            summary="A synthetic event for the paging test.",
            category=Event.Category.ECONOMY,
            date=datetime.date(2022, 1, 9),
            day_order=i,
            status=Event.Status.PUBLISHED,
        )
        for i in range(PAGE_SIZE)  # with the curated economy events: two chunks
    )
    quote = "Some grocery stores have opened"
    Citation.objects.bulk_create(Citation(event=e, source=source, quote=quote) for e in events)
    return site + "/?category=economy"


def test_the_more_link_loads_the_next_chunk_in_place_and_back_keeps_it(many_events, page):
    total = Event.objects.filter(category="economy").count()
    page.goto(many_events)
    mark_document(page)
    history = page.evaluate("history.length")
    assert page.locator("article.event").count() == PAGE_SIZE
    page.get_by_role("link", name=f"Show the next {total - PAGE_SIZE} events").click()
    expect(page.locator("article.event")).to_have_count(total)
    expect(page).to_have_url(many_events + "&page=2")  # replaced in place: no new history entry
    assert page.evaluate("history.length") == history
    assert still_same_document(page)
    assert page.get_by_role("link", name="Show the next").count() == 0

    last = page.locator("article.event").last
    last.get_by_role("link").first.click()  # read an event of the second chunk, then come back
    expect(page.locator("h1")).not_to_have_text("The January 2022 unrest in Kazakhstan, day by day")
    page.go_back()
    expect(page.locator("article.event")).to_have_count(total)  # the loaded events are still there
    assert page.console_errors == []


def test_without_javascript_the_more_link_is_a_plain_link(many_events, page_without_js):
    page = page_without_js
    total = Event.objects.filter(category="economy").count()
    page.goto(many_events)
    page.get_by_role("link", name=f"Show the next {total - PAGE_SIZE} events").click()
    expect(page).to_have_url(many_events + "&page=2")
    assert page.locator("article.event").count() == total


@pytest.mark.parametrize("nth", [30, -1])  # in the first chunk, and in the last
def test_back_to_the_timeline_lands_on_the_event_below_its_sticky_heading(site, page, nth):
    event = list(Event.objects.published())[nth]
    page.emulate_media(reduced_motion="reduce")  # jump at once: no smooth scrolling to measure mid-way
    page.goto(f"{site}{event.get_absolute_url()}")
    page.get_by_role("link", name="← Timeline").click()
    card = page.locator(f"#{event.slug}")
    expect(card).to_be_in_viewport()
    heading = card.locator("xpath=ancestor::section[1]/h2").bounding_box()
    assert card.bounding_box()["y"] >= heading["y"] + heading["height"]  # the heading sticks above it, not over it


def test_a_jump_to_a_passage_outlines_every_piece_of_it(site, page):
    """Overlapping passages cut a passage into pieces; all of them are outlined, below the top edge."""
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{site}/sources/moscow-times-afp/")
    split = page.evaluate(
        """() => [...document.querySelectorAll('mark[id]')].map(m => m.id)
              .find(id => document.querySelectorAll(`mark[data-passages~="${id}"]`).length > 1)"""
    )
    assert split, "the curated data has a passage cut into pieces"
    page.goto(f"{site}/sources/moscow-times-afp/#{split}")
    pieces = page.locator(f'mark[data-passages~="{split}"]')
    expect(pieces.first).to_have_class(re.compile("is-target"))
    for number in range(pieces.count()):
        expect(pieces.nth(number)).to_have_class(re.compile("is-target"))
    assert pieces.first.bounding_box()["y"] > 20  # a line of air above it, not cut off at the top edge


def test_keyboard_users_can_skip_to_the_content_and_reach_the_filters(site, page):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(site + "/#main")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("Pashinyan")
    expect(page).to_have_url(site + "/?q=Pashinyan")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


PAGES = [
    "/",
    "/?q=Almaty&category=protest&category=violence&start=5+Jan",
    "/?start=32+Jan",
    "/events/officials-security-toll/",
    "/sources/moscow-times-afp/",
    "/sources/",
    "/figures/",
    "/actors/tokayev/",
    "/places/almaty/",
    "/differences/",
    "/differences/?kind=number&source=tass",
    "/differences/security-personnel-killed/",
    "/differences/words/",
    "/?corroborated=1&start=6+Jan&end=6+Jan",
    "/map/",
    "/map/?category=violence",
    "/embed/",
    "/embed/?place=almaty&start=6+Jan",
    "/changes/",
]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_accessibility_violations(site, browser, path):
    # axe is injected as an inline script, which the site's CSP rightly refuses: bypass it for this check only.
    page = open_page(browser, bypass_csp=True)
    page.goto(site + path)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    page.context.close()
    assert [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []


@pytest.mark.parametrize("path", [p for p in PAGES if "32+Jan" not in p] + ["/admin/login/"])
def test_pages_load_with_no_console_errors_under_the_csp(site, page, path):
    response = page.goto(site + path)  # returns once the page, its styles and scripts have loaded
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_function("document.readyState === 'complete'")
    assert page.console_errors == []


def test_the_admins_pages_load_with_no_console_errors_under_the_csp(site, page, monkeypatch):
    sign_in_as_editor(site, page, monkeypatch)
    event = Event.objects.get(slug="cabinet-resigns")
    for path in ("/admin/", f"/admin/timeline/event/{event.pk}/change/", f"/admin/timeline/event/{event.pk}/history/"):
        page.goto(site + path)
        expect(page.locator("#content h1")).to_be_visible()
    assert page.console_errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/events/officials-security-toll/",
        "/sources/moscow-times-afp/",
        "/figures/",
        "/differences/",
        "/differences/words/",
        "/map/",
        "/embed/",
    ],
)
def test_pages_fit_a_375_pixel_phone(site, browser, path):
    page = open_page(browser, viewport={"width": 375, "height": 800})
    page.goto(site + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.context.close()
    assert overflow <= 0


def sign_in_as_editor(site, page, monkeypatch):
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "a long editor passphrase")
    call_command("create_editor", "ed", noinput=True)
    page.goto(site + "/admin/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", "a long editor passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_an_editor_adds_a_cited_event_in_the_admin(site, page, monkeypatch):
    sign_in_as_editor(site, page, monkeypatch)
    page.goto(site + "/admin/timeline/event/add/")
    page.locator("#id_title").press_sequentially("Checkpoints ring Alma-Ata")
    expect(page.locator("#id_slug")).to_have_value("checkpoints-ring-alma-ata")  # prefilled from the title
    page.select_option("#id_status", "published")
    page.select_option("#id_category", "security")
    page.fill("#id_summary", "A TASS correspondent reported checkpoints around the city.")
    page.fill("#id_date", "2022-01-08")
    page.select_option("#id_date_basis", "inferred")
    page.fill("#id_date_basis_note", "A TASS correspondent reported it on 8 January.")
    page.locator("#id_citations-0-source + .select2").click()  # the autocomplete widget
    page.locator(".select2-container--open .select2-search__field").fill("TASS")
    page.locator(".select2-results__option", has_text=str(Source.objects.get(slug="tass"))).click()
    page.fill("#id_citations-0-quote", "Alma-Ata is surrounded by checkpoints")  # not what TASS wrote
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("This passage does not occur in the text of")
    expect(page.locator("#id_title")).to_have_value("Checkpoints ring Alma-Ata")  # nothing lost

    page.fill("#id_citations-0-quote", "Alma-Ata – is completely surrounded by checkpoints")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    page.goto(site + "/?q=Checkpoints+ring")
    expect(page.locator("#checkpoints-ring-alma-ata h3")).to_have_text("Checkpoints ring Alma-Ata")
    assert page.console_errors == []


def test_an_editor_corrects_a_published_event_and_readers_see_the_record(site, page, monkeypatch):
    sign_in_as_editor(site, page, monkeypatch)
    event = Event.objects.get(slug="cabinet-resigns")
    page.goto(f"{site}/admin/timeline/event/{event.pk}/change/")
    page.fill("#id_title", "Tokayev accepts the cabinet's resignation")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("say in a public change note what you changed")
    expect(page.locator("#id_title")).to_have_value("Tokayev accepts the cabinet's resignation")  # nothing lost
    page.fill("#id_change_note", "Title corrected: AFP says Tokayev accepted the resignation.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site}/events/cabinet-resigns/")
    expect(page.locator(".last-updated")).to_contain_text("corrected: title")
    expect(page.locator("#changes-heading + .change-list")).to_contain_text("Title corrected: AFP says")
    page.goto(f"{site}/changes/")
    expect(page.locator(".change-list li").first).to_contain_text("Tokayev accepts the cabinet's resignation")
    assert page.console_errors == []


def test_a_refused_event_names_each_error_at_the_top_and_the_article_words_can_be_taken(site, page, monkeypatch):
    sign_in_as_editor(site, page, monkeypatch)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(site + "/admin/timeline/event/add/")
    page.fill("#id_title", "Checkpoints ring Alma-Ata")
    page.select_option("#id_category", "security")
    page.fill("#id_summary", "A TASS correspondent reported checkpoints around the city.")
    page.fill("#id_date", "2022-10-01")
    expect(page.locator('output[for="id_date"]')).to_have_text("Saturday 1 October 2022")  # as it is typed
    page.select_option("#id_date_basis", "stated")
    page.locator("#id_citations-0-source + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill("TASS")
    page.locator(".select2-results__option", has_text=str(Source.objects.get(slug="tass"))).click()
    page.fill("#id_citations-0-quote", "Alma-Ata - is completely surrounded by checkpoints")  # a hyphen, not a dash
    page.get_by_role("button", name="Save", exact=True).click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Citation 1: quote")).to_have_attribute("href", "#id_citations-0-quote")
    page.get_by_role("button", name="Use the article's words").click()
    expect(page.locator("#id_citations-0-quote")).to_have_value("Alma-Ata – is completely surrounded by checkpoints")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(summary.get_by_role("link", name="Date", exact=True)).to_have_attribute("href", "#id_date")
    expect(page.locator("#id_date_error")).to_contain_text("This date is after the publication of every source")
    expect(page.locator('output[for="id_date"]')).to_have_text("Saturday 1 October 2022")  # after the save too
    summary.get_by_role("link", name="Date", exact=True).click()
    expect(page.locator("#id_date")).to_be_in_viewport()
    page.fill("#id_date", "2022-01-08")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Citation.objects.get(event__slug="checkpoints-ring-alma-ata").quote.startswith("Alma-Ata –")
    assert page.console_errors == []


TIMELINEJS = settings.BASE_DIR / "node_modules" / "@knight-lab" / "timelinejs" / "dist"


def load_into_timelinejs(browser, site, export):
    """TimelineJS 3.9 itself, on a page of its own, fed ``export``: what it made of it."""
    page = open_page(browser, bypass_csp=True)  # TimelineJS runs on the embedding site, not under our CSP
    page.goto(site + "/export/schema.json")  # any page of the site, so the export is same-origin
    page.set_content('<div id="timeline-embed" style="width: 1000px; height: 600px"></div>')
    page.add_style_tag(path=str(TIMELINEJS / "css" / "timeline.css"))
    page.add_script_tag(path=str(TIMELINEJS / "js" / "timeline.js"))
    page.evaluate(
        """async (url) => {
            const data = await (await fetch(url)).json();
            window.timeline = new TL.Timeline('timeline-embed', data);
        }""",
        site + export,
    )
    expect(page.locator(".tl-timeaxis-tick").first).to_be_attached()  # the axis is drawn
    result = page.evaluate(
        """() => ({errors: timeline.config.getErrors(), slides: page_slides(),
                   ids: timeline.config.events.map(e => e.unique_id),
                   earliest: timeline.config.getEarliestDate().getTime(),
                   latest: timeline.config.getLatestDate().getTime()})
           function page_slides() { return document.querySelectorAll('.tl-slide').length; }"""
    )
    page.context.close()
    return result


def as_day(milliseconds):
    return datetime.datetime.fromtimestamp(milliseconds / 1000).date()


def test_timelinejs_loads_the_export_as_it_is_with_the_axis_on_the_unrest(site, browser):
    """By default the export leaves the background out: TimelineJS's axis runs from the first
    day of the unrest to the last day any event lasts, not from 1989."""
    result = load_into_timelinejs(browser, site, "/export/timelinejs.json")
    shown = Event.objects.published().filter(date__gte=datetime.date(2022, 1, 2))
    assert result["errors"] == []
    assert result["slides"] == shown.count() + 1  # a slide per event, and the title
    assert sorted(result["ids"]) == sorted(shown.values_list("slug", flat=True))  # our ids are kept
    last_day = max(event.end_date or event.date for event in shown)
    assert (as_day(result["earliest"]), as_day(result["latest"])) == (datetime.date(2022, 1, 2), last_day)


def test_timelinejs_takes_the_background_too_when_asked(site, browser):
    result = load_into_timelinejs(browser, site, "/export/timelinejs.json?context=1")
    assert result["errors"] == []
    assert result["slides"] == Event.objects.published().count() + 1
    assert as_day(result["earliest"]).year < 2022


# Phones, maps and embedding ----------------------------------------------------------------------

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_events_come_first_and_the_filters_wait_behind_a_disclosure(site, browser, javascript):
    page = open_page(browser, java_script_enabled=javascript, **PHONE)
    page.goto(site + "/?category=violence")
    first_event = page.locator("article.event").first.bounding_box()
    assert first_event["y"] < 844  # within the first screen
    summary = page.locator(".filters-summary")
    expect(summary).to_have_text(re.compile(r"Filters \(1 active\) · \d+ events"))
    expect(page.locator("#id_q")).not_to_be_visible()
    summary.click()  # a <details>: it opens without JavaScript too
    expect(page.locator("#id_q")).to_be_visible()
    page.context.close()


def test_on_a_phone_a_filter_change_keeps_the_result_count_in_view(site, browser):
    page = open_page(browser, **PHONE)
    page.goto(site + "/")
    page.locator(".filters-summary").click()
    page.locator("summary", has_text="Categories").click()
    checkbox = page.locator("input[name=category][value=economy]")
    checkbox.scroll_into_view_if_needed()
    checkbox.check()
    expected = Event.objects.published().filter(category="economy").count()
    state = page.locator("#filters-state")
    expect(state).to_have_text(f"(1 active) · {expected} events")
    expect(state).to_be_in_viewport()  # the summary sticks to the top while the filters scroll under it
    assert page.console_errors == []
    page.context.close()


def test_on_a_laptop_the_filters_are_a_side_panel(site, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(site + "/")
    expect(page.locator(".filters-summary")).not_to_be_visible()
    expect(page.locator("#id_q")).to_be_visible()
    form, results = page.locator("#filters").bounding_box(), page.locator("#results").bounding_box()
    assert form["x"] + form["width"] <= results["x"]  # beside the results, not above them


def test_the_maps_markers_are_reached_by_keyboard_and_named(site, page):
    page.goto(site + "/map/?category=violence")
    markers = page.locator("a.marker")
    assert markers.count() > 0
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('marker')"):
            break
    focused = page.evaluate("document.activeElement.querySelector('title').textContent")
    assert re.fullmatch(r".+: \d+ events?", focused)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?category=violence&place=[\w-]+$"))
    assert page.console_errors == []


def test_the_small_map_follows_the_filters(site, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(site + "/")
    before = page.locator("#small-map-caption").inner_text()
    page.locator("summary", has_text="Categories").click()
    page.check("input[name=category][value=economy]")
    expect(page.locator("#small-map-caption")).not_to_have_text(before)
    titles = page.locator(".overview a.marker title").all_text_contents()
    economy = Event.objects.published().filter(category="economy", places__slug="almaty").count()
    assert f"Almaty: {economy} event{'s' if economy != 1 else ''}" in titles


NEWSROOM_PAGE = """<!DOCTYPE html><html lang="en"><head><title>A newsroom's article</title></head><body>
<h1>What happened in Kazakhstan</h1><p>Our story.</p>{iframes}</body></html>"""


@pytest.fixture
def newsroom(site, tmp_path):
    """A plain HTML page on another site (another origin: localhost, not 127.0.0.1) that frames ours."""
    import http.server
    import threading
    from functools import partial

    frames = (
        f'<iframe id="embed" src="{site}/embed/?category=violence" title="Timeline" width="600" height="500"></iframe>'
        f'<iframe id="timeline" src="{site}/" title="The whole site" width="600" height="300"></iframe>'
    )
    (tmp_path / "index.html").write_text(NEWSROOM_PAGE.format(iframes=frames))
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()


def test_a_newsroom_can_frame_the_embed_and_nothing_else(newsroom, page):
    page.goto(newsroom)
    embed = page.frame_locator("#embed")
    expect(embed.locator("h1")).to_have_text("The January 2022 unrest in Kazakhstan, day by day")
    violence = Event.objects.published().filter(category="violence").count()
    expect(embed.locator(".embed-count")).to_contain_text(f"{violence} events: Category: Violence")
    expect(embed.locator(".embed-credit")).to_contain_text("Sources of the events shown")
    assert embed.locator("nav").count() == 0  # no site navigation
    first = embed.locator("article.embed-event h3 a").first
    with page.context.expect_page() as new_tab:
        first.click()
    expect(new_tab.value.locator("h1")).to_be_visible()  # the full site, in a tab of its own
    assert new_tab.value.url.startswith(page.frame_locator("#embed").owner.get_attribute("src").split("/embed/")[0])
    # The rest of the site refuses to be framed: the browser shows its own error in that frame.
    site_heading = page.frame_locator("#timeline").get_by_role("heading", name="The January 2022 unrest in Kazakhstan")
    expect(site_heading).to_have_count(0)
    assert any("frame-ancestors" in error for error in page.console_errors), page.console_errors


def test_a_figures_scope_offers_the_scopes_of_the_measure_chosen(site, page, monkeypatch):
    """The datalist follows the measure chosen, in the figure's form and in a figure added on its
    event's page (a copy of the empty form, whose list id Django renumbers), under the strict CSP."""
    sign_in_as_editor(site, page, monkeypatch)

    def offered(selector):
        return page.eval_on_selector(
            selector, "input => [...document.getElementById(input.getAttribute('list')).options].map(o => o.value)"
        )

    page.goto(site + "/admin/timeline/figure/add/")
    page.select_option("#id_measure", "detained")
    page.focus("#id_scope")
    assert sorted(offered("#id_scope")) == ["in Almaty, by Thursday 6 January", "so far; no place given"]
    page.select_option("#id_measure", "average_salary_usd")
    assert offered("#id_scope") == ["monthly average, nationwide"]

    event = Event.objects.get(slug="cabinet-resigns")
    page.goto(site + f"/admin/timeline/event/{event.pk}/change/")
    page.locator(".add-row a", has_text="Add another Figure").click()
    row = f"#id_figures-{event.figures.count()}"
    page.select_option(f"{row}-measure", "attackers")
    page.focus(f"{row}-scope")
    assert offered(f"{row}-scope") == ["in Almaty"]
    assert page.console_errors == []
