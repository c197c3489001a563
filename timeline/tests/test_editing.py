"""The one way in for every write (timeline.editing): two editors at once never lose each
other's edits, every entry point keeps the public record, and the importer keeps ids."""

import html
import json
import re

import feedparser
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from timeline import editing
from timeline.exports import json as json_export
from timeline.imports import Refused, import_document
from timeline.models import Citation, Event, EventChange

from .test_admin import event_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_event):
    return make_event(slug="storming", title="Protesters storm the mayor's office")


@pytest.fixture
def colleague_client(editor, monkeypatch):
    """A second editor, in a browser of their own."""
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "another long editor passphrase")
    call_command("create_editor", "bo", email="bo@example.org", noinput=True)
    colleague = Client()
    colleague.force_login(User.objects.get(username="bo"))
    return colleague


def timeline_json():
    """The JSON export, as a document."""
    return json.loads("".join(json_export.timeline_json()))


def change_url(event):
    return reverse("admin:timeline_event_change", args=[event.pk])


def hidden_inputs(page):
    """The hidden fields of a rendered admin form: {name: value}."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


def opened(client, event, **changes):
    """The event's form as an editor opens it now, with ``changes`` typed in (not yet saved)."""
    page = client.get(change_url(event)).content.decode()
    shown = hidden_inputs(page)
    data = event_form(event)
    data |= {name: shown[name] for name in ("base_state", "expected_version")}
    return data | changes


def changes_of(event):
    return list(event.changes.order_by("made_at", "pk").values_list("kind", "changed", "note"))


# Two editors at once -------------------------------------------------------------------------


def test_a_later_save_keeps_a_colleagues_correction_and_records_each_change_under_its_note(
    editor_client, colleague_client, published
):
    mine = opened(editor_client, published, summary="Protesters stormed the office, the wire said.")
    mine["change_note"] = "Summary: the wire's words."
    theirs = opened(colleague_client, published, category="protest", change_note="Category: a protest.")

    assert editor_client.post(change_url(published), mine).status_code == 302
    response = colleague_client.post(change_url(published), theirs, follow=True)  # opened before my save

    assert response.status_code == 200
    published.refresh_from_db()
    assert published.summary == "Protesters stormed the office, the wire said."  # not reverted
    assert published.category == "protest"
    assert changes_of(published) == [
        ("corrected", ["summary"], "Summary: the wire's words."),
        ("corrected", ["category"], "Category: a protest."),
    ]
    message = response.content.decode()
    assert "your colleague&#x27;s changes to summary were kept" in message
    assert "your changes to category were saved" in message


def test_a_field_both_changed_waits_for_an_explicit_choice_showing_both_values(
    editor_client, colleague_client, published
):
    mine = opened(editor_client, published, summary="My summary.", change_note="Summary rewritten.")
    theirs = opened(colleague_client, published, summary="Their summary.", title="Their title")
    theirs["change_note"] = "Summary and title rewritten."
    assert editor_client.post(change_url(published), mine).status_code == 302

    response = colleague_client.post(change_url(published), theirs)
    assert response.status_code == 200  # shown, not saved
    page = response.content.decode()
    panel = page[page.index('class="merge-conflicts"') : page.index("</section>")]
    assert "My summary." in panel and "Their summary." in panel and "Title" not in panel  # only the conflict
    published.refresh_from_db()
    assert published.summary == "My summary." and published.title == "Protesters storm the mayor's office"

    # Saving again without choosing keeps asking; it never takes the later value silently.
    again = theirs | hidden_inputs(page)
    assert colleague_client.post(change_url(published), again).status_code == 200
    published.refresh_from_db()
    assert published.summary == "My summary."

    # Keeping the saved summary: only the title (changed by them alone) is saved.
    page = colleague_client.post(change_url(published), again).content.decode()
    chosen = theirs | hidden_inputs(page) | {"keep-summary": "theirs"}
    assert colleague_client.post(change_url(published), chosen).status_code == 302
    published.refresh_from_db()
    assert (published.summary, published.title) == ("My summary.", "Their title")
    assert changes_of(published)[-1] == ("corrected", ["title"], "Summary and title rewritten.")


def test_choosing_ones_own_value_saves_it(editor_client, colleague_client, published):
    mine = opened(editor_client, published, summary="My summary.", change_note="Summary rewritten.")
    theirs = opened(colleague_client, published, summary="Their summary.", change_note="Theirs.")
    assert editor_client.post(change_url(published), mine).status_code == 302
    page = colleague_client.post(change_url(published), theirs).content.decode()
    chosen = theirs | hidden_inputs(page) | {"keep-summary": "mine"}
    assert colleague_client.post(change_url(published), chosen).status_code == 302
    published.refresh_from_db()
    assert published.summary == "Their summary."


def test_a_colleagues_change_to_a_citation_survives_a_save_of_the_title(editor_client, colleague_client, published):
    citation = published.citations.get()
    mine = opened(editor_client, published, change_note="Citation: how to read it.")
    mine["citations-0-note"] = "The test wire's own words."
    theirs = opened(colleague_client, published, title="A better title", change_note="Title: clearer.")
    assert editor_client.post(change_url(published), mine).status_code == 302

    assert colleague_client.post(change_url(published), theirs).status_code == 302
    citation.refresh_from_db()
    published.refresh_from_db()
    assert citation.note == "The test wire's own words." and published.title == "A better title"
    assert changes_of(published)[-1] == ("corrected", ["title"], "Title: clearer.")


def test_a_citation_both_changed_waits_for_a_choice(editor_client, colleague_client, published):
    citation = published.citations.get()
    mine = opened(editor_client, published, change_note="Note added.")
    mine["citations-0-note"] = "Mine."
    theirs = opened(colleague_client, published, change_note="Note added too.")
    theirs["citations-0-note"] = "Theirs."
    assert editor_client.post(change_url(published), mine).status_code == 302
    response = colleague_client.post(change_url(published), theirs)
    assert response.status_code == 200
    assert f'name="keep-citations-{citation.pk}-note"' in response.content.decode()
    citation.refresh_from_db()
    assert citation.note == "Mine."


def test_the_history_shows_each_changes_public_note(editor_client, published):
    data = opened(editor_client, published, summary="Corrected.", change_note="Summary: corrected wording.")
    assert editor_client.post(change_url(published), data).status_code == 302
    page = editor_client.get(reverse("admin:timeline_event_history", args=[published.pk])).content.decode()
    latest_row = page.split('id="change-history"')[1].split("<tr>")[2].split("</tr>")[0]
    assert "Summary: corrected wording." in latest_row


# The same rule through every entry point ------------------------------------------------------


def correct_in_the_form(client, event):
    return client.post(change_url(event), opened(client, event, title="Retitled")).status_code == 200


def correct_a_citation_in_the_form(client, event):
    data = opened(client, event)
    data["citations-0-note"] = "A new note."
    return client.post(change_url(event), data).status_code == 200


def correct_from_the_history(client, event):
    first = event.history.earliest()
    url = reverse("admin:timeline_event_simple_history", args=[event.pk, first.history_id])
    data = opened(client, event, title="Retitled")
    data = {key: value for key, value in data.items() if not key.startswith(("citations-", "figures-"))}
    return client.post(url, data).status_code == 200


def correct_on_the_citation_page(client, event):
    citation = event.citations.get()
    url = reverse("admin:timeline_citation_change", args=[citation.pk])
    data = {"event": event.pk, "source": citation.source_id, "quote": citation.quote, "note": "A new note."}
    return client.post(url, data).status_code == 403  # a public event's passages change from its own page


def correct_by_import(client, event):
    doc = timeline_json()
    row = next(row for row in doc["events"] if row["id"] == event.slug)
    row["title"] = "Retitled"
    with pytest.raises(Refused):
        import_document(doc)
    return True


def correct_through_editing(client, event):
    event.title = "Retitled"
    with pytest.raises(ValidationError, match="public change note"):
        editing.save_event(event)
    return True


def correct_a_citation_through_editing(client, event):
    citation = event.citations.get()
    citation.note = "A new note."
    with pytest.raises(ValidationError, match="from the event's page"):
        editing.save_curated(citation)
    return True


@pytest.mark.parametrize(
    "correct",
    [
        correct_a_citation_through_editing,
        correct_in_the_form,
        correct_a_citation_in_the_form,
        correct_from_the_history,
        correct_on_the_citation_page,
        correct_by_import,
        correct_through_editing,
    ],
)
def test_every_entry_point_refuses_a_correction_without_a_public_note(editor_client, published, correct):
    citation = published.citations.get()
    assert correct(editor_client, published)
    published.refresh_from_db()
    citation.refresh_from_db()
    assert published.title == "Protesters storm the mayor's office" and citation.note == ""
    assert not published.changes.exists()


def test_a_taken_down_event_is_published_again_only_with_a_note(editor_client, published):
    editing.take_down(published, "Duplicate of another event.")
    published.refresh_from_db()
    with pytest.raises(ValidationError, match="taken down before"):
        editing.publish(published)  # the publish action's way
    published.status = Event.Status.PUBLISHED
    with pytest.raises(ValidationError, match="say why it is published again"):
        editing.save_event(published)
    editing.save_event(published, note="Not a duplicate after all.")
    assert changes_of(published)[-1] == ("republished", [], "Not a duplicate after all.")


def test_the_public_record_shows_the_event_as_readers_saw_it_never_a_later_draft(client, published):
    editing.take_down(published, "Taken down: the date is in doubt.")
    published.refresh_from_db()
    published.title = "A draft title nobody has read"
    editing.save_event(published)  # a draft: no public change, no note needed
    changes = client.get(reverse("timeline:change_list")).content.decode()
    assert "A draft title nobody has read" not in changes
    assert "Protesters storm the mayor&#x27;s office" in changes
    atom = feedparser.parse(client.get(reverse("timeline:changes_feed")).content)
    assert [entry.title for entry in atom.entries] == ["Taken down: Protesters storm the mayor's office"]
    assert "A draft title" not in client.get(reverse("timeline:changes_json_feed")).content.decode()


def test_a_public_event_is_never_deleted(published):
    with pytest.raises(ValidationError, match="take it down"):
        editing.delete_event(published)
    assert Event.objects.filter(pk=published.pk).exists()


# The importer ----------------------------------------------------------------------------------


def export_of(event):
    doc = timeline_json()
    return doc, next(row for row in doc["events"] if row["id"] == event.slug)


def test_an_import_that_changes_a_published_event_needs_a_note_and_is_recorded(published, tmp_path, capsys):
    doc, row = export_of(published)
    row["title"] = "Protesters storm the city hall"
    path = tmp_path / "timeline.json"
    path.write_text(json.dumps(doc), encoding="utf-8")

    with pytest.raises(CommandError, match="without a public note"):
        call_command("import_timeline", str(path))
    assert "event 'storming'" in capsys.readouterr().err
    published.refresh_from_db()
    assert published.title == "Protesters storm the mayor's office" and not published.changes.exists()

    call_command("import_timeline", str(path), "--dry-run", "--note", "Title: the building's name.")
    assert "Would record: Corrected: title: Protesters storm the city hall" in capsys.readouterr().out
    assert not published.changes.exists()

    call_command("import_timeline", str(path), "--note", "Title: the building's name.")
    published.refresh_from_db()
    assert published.title == "Protesters storm the city hall"
    assert changes_of(published) == [("corrected", ["title"], "Title: the building's name.")]


def test_an_event_s_own_note_in_the_file_serves_for_it(published):
    doc, row = export_of(published)
    row["summary"] = "Protesters stormed the mayor's office, the test wire said."
    row["change_note"] = "Summary: attributed to the wire."
    summary = import_document(doc)
    assert [change.note for change in summary.changes] == ["Summary: attributed to the wire."]


def test_a_taken_down_event_comes_back_by_import_only_with_a_note(published):
    doc, _ = export_of(published)  # exported while it was published
    editing.take_down(published, "The date is in doubt.")
    with pytest.raises(Refused) as refused:
        import_document(doc)
    assert "taken down before" in str(refused.value.problems[0])
    published.refresh_from_db()
    assert published.status == Event.Status.DRAFT

    import_document(doc, note="Date confirmed by a second source.")
    published.refresh_from_db()
    assert published.status == Event.Status.PUBLISHED
    assert changes_of(published)[-1] == ("republished", [], "Date confirmed by a second source.")


def test_an_import_keeps_the_ids_of_citations_and_figures(curated):
    before = dict(Citation.objects.values_list("pk", "quote"))
    doc = timeline_json()
    row = doc["events"][0]
    row["citations"][0]["note"] = "A note added in the file."
    row["change_note"] = "A note on how to read a passage."
    import_document(doc)
    assert dict(Citation.objects.values_list("pk", "quote")) == before
    assert Citation.objects.filter(note="A note added in the file.").count() == 1
    assert EventChange.objects.get().changed == ["citations"]
