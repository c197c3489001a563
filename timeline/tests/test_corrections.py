"""The public record of corrections: what an editor must say to change a published event,
and where readers see it (the event page, /changes/, its feeds, 410 for an event taken down)."""

import datetime
import json

import feedparser
import jsonschema
import pytest
from django.urls import reverse
from django.utils.html import escape

from timeline.models import Citation, Event, EventChange

from .test_admin import change_event, event_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_event):
    return make_event(slug="storming", title="Protesters storm the mayor's office")


def changes_of(event):
    return list(event.changes.order_by("made_at", "pk").values_list("kind", "changed", "note"))


def test_correcting_a_published_event_needs_a_public_note(editor_client, published):
    response = change_event(editor_client, published, date="2022-01-06")
    assert response.status_code == 200
    assert "This event is published: say in a public change note what you changed" in response.content.decode()
    published.refresh_from_db()
    assert published.date == datetime.date(2022, 1, 5) and not published.changes.exists()  # nothing saved

    note = "Date corrected: ‘Thursday night’ is 6 January."
    response = change_event(editor_client, published, date="2022-01-06", change_note=note)
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.date == datetime.date(2022, 1, 6)
    assert changes_of(published) == [("corrected", ["date"], note)]


def test_a_changed_citation_of_a_published_event_needs_a_note_too(editor_client, published):
    citation = published.citations.get()
    edited = [{"id": citation.pk, "source": citation.source_id, "quote": "Protesters stormed the mayor's office\non"}]
    data = event_form(published)
    data["citations-0-quote"] = edited[0]["quote"]
    url = reverse("admin:timeline_event_change", args=[published.pk])
    response = editor_client.post(url, data)
    assert response.status_code == 200 and "say in a public change note" in response.content.decode()
    assert Citation.objects.get(pk=citation.pk).quote == "Protesters stormed the mayor's office"

    data["change_note"] = "Quotation extended to the day it names."
    assert editor_client.post(url, data).status_code == 302
    assert changes_of(published) == [("corrected", ["citations"], "Quotation extended to the day it names.")]


def test_saving_a_published_event_unchanged_is_not_a_change(editor_client, published):
    assert change_event(editor_client, published).status_code == 302
    assert not published.changes.exists()


def test_drafts_are_edited_freely_and_their_first_publication_is_recorded(editor_client, make_event):
    draft = make_event(status=Event.Status.DRAFT)
    assert change_event(editor_client, draft, title="A better title").status_code == 302
    assert not draft.changes.exists()  # before first publication: not a public change
    draft.refresh_from_db()
    assert change_event(editor_client, draft, status="published").status_code == 302
    assert changes_of(draft) == [("published", [], "")]


def test_taking_an_event_down_needs_a_reason_and_its_address_then_answers_410(client, editor_client, published):
    response = change_event(editor_client, published, status="draft")
    assert "Say why the event is being taken down" in response.content.decode()
    published.refresh_from_db()
    assert published.is_published

    reason = "Taken down: the passage describes Aktobe, not Almaty."
    assert change_event(editor_client, published, status="draft", change_note=reason).status_code == 302
    client.logout()
    gone = client.get(published.get_absolute_url())
    assert gone.status_code == 410
    html = gone.content.decode()
    assert reason in html and datetime.date.today().strftime("%-d %B %Y") in html
    assert client.get("/events/never-was/").status_code == 404  # an address never used is simply not found


def test_the_take_down_action_asks_for_the_reason_first(editor_client, published):
    url = reverse("admin:timeline_event_changelist")
    page = editor_client.post(url, {"action": "unpublish", "_selected_action": [published.pk]})
    assert page.status_code == 200 and "Public reason" in page.content.decode()
    published.refresh_from_db()
    assert published.is_published  # nothing happens without a reason

    reason = "Duplicate of another event."
    done = editor_client.post(url, {"action": "unpublish", "_selected_action": [published.pk], "reason": reason})
    assert done.status_code == 302
    published.refresh_from_db()
    assert not published.is_published
    assert changes_of(published) == [("unpublished", [], reason)]


def test_publishing_a_taken_down_event_again_needs_a_note(editor_client, published):
    change_event(editor_client, published, status="draft", change_note="Checking a date.")
    published.refresh_from_db()
    response = change_event(editor_client, published, status="published")
    assert "This event was taken down before: say why it is published again." in response.content.decode()
    response = editor_client.post(
        reverse("admin:timeline_event_changelist"),
        {"action": "publish", "_selected_action": [published.pk]},
        follow=True,
    )
    assert "was taken down before: open it to publish it again" in response.content.decode()
    assert change_event(editor_client, published, status="published", change_note="Date checked.").status_code == 302
    assert [kind for kind, *_ in changes_of(published)] == ["unpublished", "republished"]


def test_an_event_readers_have_seen_keeps_its_address_for_good(editor_client, published, make_event):
    response = change_event(editor_client, published, slug="another-address", change_note="New address.")
    assert "Readers know this event by its address: it keeps it for good." in response.content.decode()
    assert editor_client.get(reverse("admin:timeline_event_delete", args=[published.pk])).status_code == 403
    actions = editor_client.get(reverse("admin:timeline_event_changelist")).content.decode()
    assert 'value="delete_selected"' not in actions
    draft = make_event(slug="draft", status=Event.Status.DRAFT)
    assert editor_client.get(reverse("admin:timeline_event_delete", args=[draft.pk])).status_code == 200


def test_the_passages_of_a_public_event_change_only_from_its_page(editor_client, published, source):
    citation = published.citations.get()
    page = editor_client.get(reverse("admin:timeline_citation_change", args=[citation.pk]))
    assert page.status_code == 200  # the editor may read it, not change it: no form field, no save button
    html = page.content.decode()
    assert 'name="quote"' not in html and 'name="_save"' not in html
    assert f'<div class="readonly">{escape(citation.quote)}</div>' in html
    response = editor_client.post(
        reverse("admin:timeline_citation_change", args=[citation.pk]),
        {"event": published.pk, "source": source.pk, "quote": "Police said 12 people were"},
    )
    assert response.status_code == 403
    added = editor_client.post(
        reverse("admin:timeline_citation_add"),
        {"event": published.pk, "source": source.pk, "quote": "Police said 12 people were"},
    )
    assert "This event is public: add or change its passages from the event&#x27;s page" in added.content.decode()
    assert published.citations.count() == 1


def correct(editor_client, event, note="Date corrected: “on Thursday” is 6 January."):
    assert change_event(editor_client, event, date="2022-01-06", change_note=note).status_code == 302
    return note


def test_a_correction_shows_on_the_event_page(client, editor_client, published):
    note = correct(editor_client, published)
    client.logout()
    html = client.get(published.get_absolute_url()).content.decode()
    assert "Last updated" in html and "corrected: date" in html
    assert note in html.split('id="changes-heading"')[1]


def test_the_changes_page_lists_every_public_change_newest_first(client, editor_client, published, make_event):
    draft = make_event(slug="quiet-draft", status=Event.Status.DRAFT, title="Quiet draft")
    change_event(editor_client, draft, title="Quiet draft, retitled")  # not public
    first = correct(editor_client, published)
    published.refresh_from_db()
    second = "Summary now says who gave the number."
    change_event(editor_client, published, summary="Police said protesters stormed the office.", change_note=second)
    client.logout()
    html = client.get(reverse("timeline:change_list")).content.decode()
    assert html.index(second) < html.index(first)
    assert "Corrected: summary" in html and "Corrected: date" in html
    assert f'href="{published.get_absolute_url()}#change-' in html
    assert "Quiet draft" not in html


def test_the_changes_feeds_parse_in_a_standard_feed_parser(client, editor_client, published):
    note = correct(editor_client, published)
    client.logout()
    atom = feedparser.parse(client.get(reverse("timeline:changes_feed")).content)
    assert not atom.bozo, atom.bozo_exception
    assert atom.version == "atom10"
    entry = atom.entries[0]
    assert entry.title == "Corrected: date: Protesters storm the mayor's office"
    assert note in entry.summary
    assert entry.link == f"http://testserver{published.get_absolute_url()}#change-{published.changes.get().pk}"

    response = client.get(reverse("timeline:changes_json_feed"))
    assert response["Content-Type"] == "application/feed+json"
    feed = json.loads(response.content)  # feedparser 6.0 reads no JSON Feed: the spec's MUSTs instead
    jsonschema.validate(feed, JSON_FEED_MUSTS)
    assert feed["items"][0]["title"] == entry.title
    assert feed["items"][0]["url"] == entry.link


#: What JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) requires of a feed and its items.
JSON_FEED_MUSTS = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
                "properties": {"id": {"type": "string"}, "date_published": {"type": "string", "format": "date-time"}},
            },
        },
    },
}


def test_a_change_note_is_required_only_where_readers_see_the_change(editor_client, published):
    """The order of events within a day (day_order) is not something readers are told."""
    assert change_event(editor_client, published, day_order="3").status_code == 302
    assert not EventChange.objects.exists()


def test_a_revert_from_the_history_is_a_public_change_too(client, editor_client, published):
    note = correct(editor_client, published)
    published.refresh_from_db()
    before = published.history.order_by("history_date")[0]
    url = reverse("admin:timeline_event_simple_history", args=[published.pk, before.history_id])
    data = event_form(published, date="2022-01-05")
    for key in [k for k in data if k.startswith(("citations-", "figures-"))]:
        del data[key]
    response = editor_client.post(url, data)
    assert "say in a public change note" in response.content.decode()
    data["change_note"] = "Date restored: the correction misread the article."
    assert editor_client.post(url, data).status_code == 302
    assert changes_of(published)[-2:] == [
        ("corrected", ["date"], note),
        ("corrected", ["date"], "Date restored: the correction misread the article."),
    ]


def test_a_correction_of_fields_and_citations_is_one_change(editor_client, published):
    data = event_form(published, title="Protesters storm Almaty's mayor's office", change_note="Title and quote.")
    data["citations-0-quote"] = "Protesters stormed the mayor's office\non"
    assert editor_client.post(reverse("admin:timeline_event_change", args=[published.pk]), data).status_code == 302
    assert changes_of(published) == [("corrected", ["title", "citations"], "Title and quote.")]
