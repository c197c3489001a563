"""Errors where the eye is, in the event form: each on its field, and a summary at the top that
names each field and links to it."""

import re

import pytest
from django.urls import reverse

from timeline.models import Event

from .test_admin import add_event, change_event, figure_row

pytestmark = pytest.mark.django_db


def summary(html):
    """The error summary at the top of the form."""
    assert html.count('id="error-summary"') == 1
    return html.split('id="error-summary"')[1].split("</div>")[0]


def errors_of(html, field_id):
    """The messages of the error list attached to the field with id ``field_id``."""
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1), re.S) if match else []


def summary_links(html):
    """(href, link text) of each problem the summary names."""
    return re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', summary(html))


def test_a_date_after_its_sources_is_marked_on_the_date_and_named_at_the_top(editor_client, source):
    response = add_event(editor_client, date="2022-01-09", citations=[{"source": source.pk, "quote": "Protesters"}])
    html = response.content.decode()
    [message] = errors_of(html, "id_date")
    assert message.startswith("This date is after the publication of every source that cites the event")
    assert ("#id_date", "Date") in summary_links(html)
    assert "This date is after the publication" in summary(html)
    assert "Please correct the error" not in html  # the summary says it, naming the field
    group = html.split('id="citations-group"')[1].split('id="figures-group"')[0]
    assert "This date is after" not in group  # no longer 1,000 px below the date
    assert not Event.objects.exists()


def test_a_change_note_needed_by_the_citations_is_marked_on_the_change_note(editor_client, make_event, source):
    event = make_event()
    response = change_event(editor_client, event, citations=[{"source": source.pk, "quote": "Police said"}])
    html = response.content.decode()
    [message] = errors_of(html, "id_change_note")  # once, though the figures' formset asks too
    assert message.startswith("This event is published: say in a public change note")
    assert ("#id_change_note", "Public change note") in summary_links(html)
    assert "nonform" not in html  # no error left in the citations' or figures' group
    assert event.citations.count() == 1


def test_every_inline_error_is_named_with_its_form_and_field(editor_client, source):
    response = add_event(
        editor_client,
        title="",
        citations=[
            {"source": source.pk, "quote": "Protesters stormed"},
            {"source": source.pk, "quote": "Protesters burned the office"},
        ],
        figures=[figure_row(source, value="-3", qualifier="about")],
    )
    links = summary_links(response.content.decode())
    assert links == [
        ("#id_title", "Title"),
        ("#id_citations-1-quote", "Citation 2: quote"),
        ("#id_figures-0-value", "Figure 1: value"),
    ]
    html = response.content.decode()
    assert errors_of(html, "id_citations-1-quote")[0].startswith("This passage does not occur in the text of")
    deleted = {"source": source.pk, "quote": "Protesters burned the office", "DELETE": "on"}
    response = add_event(editor_client, title="", citations=[{"source": source.pk, "quote": "Police"}, deleted])
    assert summary_links(response.content.decode()) == [("#id_title", "Title")]  # not the citation being deleted
    assert "Title: This field is required." in re.sub(r"<[^>]+>", "", summary(html))


def test_a_form_without_errors_has_no_summary(editor_client, make_event):
    html = editor_client.get(reverse("admin:timeline_event_change", args=[make_event().pk])).content.decode()
    assert 'id="error-summary"' not in html


# A quote that does not occur in its source ----------------------------------------------------

CURLY = "Protesters stormed the mayor’s office on Wednesday."  # the article has a straight apostrophe


def test_a_misquote_shows_the_nearest_passage_with_the_differing_characters_marked(editor_client, source):
    html = add_event(editor_client, citations=[{"source": source.pk, "quote": CURLY}]).content.decode()
    [message] = errors_of(html, "id_citations-0-quote")
    assert "Its nearest passage, 98% alike" in message
    diff = message.split('<blockquote class="quote-diff">')[1].split("</blockquote>")[0]
    assert diff == "Protesters stormed the mayor<del>’</del><ins>&#x27;</ins>s office on Wednesday."
    words = message.split('<blockquote class="article-words" id="id_citations-0-quote_article">')[1]
    assert words.startswith("Protesters stormed the mayor&#x27;s office on Wednesday.</blockquote>")
    assert 'data-quote="id_citations-0-quote" hidden>' in message  # a button, which JavaScript shows
    assert 'type="checkbox" name="citations-0-use_article_words"' in html  # without it, a box to tick


def test_ticking_use_the_articles_words_saves_the_nearest_passage(editor_client, source):
    response = add_event(editor_client, citations=[{"source": source.pk, "quote": CURLY, "use_article_words": "on"}])
    assert response.status_code == 302
    assert Event.objects.get().citations.get().quote == "Protesters stormed the mayor's office on Wednesday."


def test_the_nearest_passage_is_not_offered_when_it_is_far_from_the_quote(editor_client, source):
    html = add_event(editor_client, citations=[{"source": source.pk, "quote": "Troops arrived from Moscow"}]).content
    [message] = errors_of(html.decode(), "id_citations-0-quote")
    assert "is this the right source?" in message and "use-article-words" not in message
    assert 'type="checkbox" name="citations-0-use_article_words"' not in html.decode()


# Dates: in words, and confirmed when far outside the collection's span ------------------------------


def in_words_beside(html, field_id):
    match = re.search(rf'<output class="date-in-words" for="{field_id}"[^>]*>([^<]*)</output>', html)
    return match.group(1) if match else None


def test_a_date_field_says_the_date_in_words_when_shown_saved_or_refused(editor_client, make_event, source):
    event = make_event(status=Event.Status.DRAFT)
    html = editor_client.get(reverse("admin:timeline_event_change", args=[event.pk])).content.decode()
    assert in_words_beside(html, "id_date") == "Wednesday 5 January 2022"
    assert in_words_beside(html, "id_end_date") == ""
    refused = change_event(editor_client, event, date="2022-01-01", end_date="2021-10-01").content.decode()
    assert in_words_beside(refused, "id_date") == "Saturday 1 January 2022"
    assert in_words_beside(refused, "id_end_date") == "Friday 1 October 2021"
    assert 'src="/static/js/admin-forms.js"' in refused  # which keeps it up to date as the editor types


@pytest.mark.parametrize(
    ("date", "why"),
    [
        ("2222-01-05", "is in the future"),
        ("2023-03-01", "is more than a year after the latest article of the collection (Thursday 6 January 2022)"),
        ("1022-01-05", "is before 1900"),
    ],
)
def test_an_unlikely_date_needs_the_editors_confirmation(editor_client, source, date, why):
    html = add_event(editor_client, date=date).content.decode()
    [message] = errors_of(html, "id_date")
    assert why in message and "tick “Yes, this date is right”" in message
    assert '<input type="checkbox" name="confirm_date"' in html  # it appears with the error
    assert not Event.objects.exists()
    assert add_event(editor_client, date=date, confirm_date="on").status_code == 302


def test_background_dates_need_no_confirmation(editor_client, source):
    response = add_event(editor_client, date="1989-01-01", date_precision="year", category="background")
    assert response.status_code == 302
    assert '<input type="checkbox" name="confirm_date"' not in add_event(editor_client, title="").content.decode()


def test_every_change_form_of_the_timeline_names_its_errors_at_the_top(editor_client, make_event, source):
    event = make_event(status=Event.Status.DRAFT)
    response = editor_client.post(
        reverse("admin:timeline_citation_add"), {"event": event.pk, "source": source.pk, "quote": "Police say"}
    )
    assert summary_links(response.content.decode()) == [("#id_quote", "Quote")]
