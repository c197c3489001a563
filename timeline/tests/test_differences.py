"""Where the sources differ: the pages, the charts, the words table, the corroboration filter
and the exports of differences."""

import csv
import io
import json
import re

import jsonschema
import pytest
from django.urls import reverse

from timeline.exports.json import SCHEMA_PATH
from timeline.models import Citation, Difference, Figure, Position, PositionRelation, Source

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(SCHEMA_PATH.read_text())


@pytest.fixture
def difference(make_event, source):
    """Two printings of one wire story give different numbers for one measure and scope."""
    later = Source.objects.create(
        slug="later-edition", title="Later", origin="AFP", published_on="2022-01-06", edition=2, kind="wire",
        seed_file="later.txt", rights_holder="AFP",
        text="Police said 14 people were detained. Protesters stormed the office.",
    )  # fmt: skip
    event = make_event()
    figures = [
        Figure.objects.create(
            event=event,
            source=where,
            measure="detained",
            value=value,
            claimant_words="police",
            reported_on=where.published_on,
            quote=quote,
        )
        for where, value, quote in ((source, 12, "12 people were"), (later, 14, "14 people were detained"))
    ]
    difference = Difference.objects.create(
        slug="how-many-detained", topic="How many people were detained?", kind="number", status="published",
        note="The later edition updated the police's figure the same day.",
    )  # fmt: skip
    difference.events.add(event)
    difference.figures.add(*figures)
    first = Position.objects.create(
        difference=difference, source=source, quote="12 people were", reading="12 detained", claimant="police", order=0
    )
    second = Position.objects.create(
        difference=difference, source=later, quote="14 people were detained", reading="14 detained",
        claimant="police", order=1,
    )  # fmt: skip
    PositionRelation.objects.create(difference=difference, from_position=second, to_position=first, type="updates")
    return difference


def test_the_differences_page_sets_each_sources_words_side_by_side(client, difference):
    html = client.get(reverse("timeline:difference_list")).content.decode()
    section = html[html.index('id="kind-number"') :]
    assert "How many people were detained?" in section
    assert section.index("12 people were") < section.index("14 people were detained")  # in order of publication
    assert "Updates" in section  # the later edition replaces the earlier figure
    for position in difference.positions.all():
        assert f'href="{position.get_absolute_url()}"' in section  # each passage links into the source reader


def test_differences_filter_by_kind_source_and_event(client, difference, make_event):
    other = Difference.objects.create(slug="other", topic="Who stormed it?", kind="attribution", status="published")
    other.events.add(make_event(slug="second"))
    Position.objects.create(
        difference=other,
        source=difference.positions.first().source,
        quote="Protesters",
        reading="protesters",
        claimant="the wire",
    )

    def topics(query):
        return set(
            re.findall(
                r'class="difference-topic"[^>]*><a [^>]*>([^<]+)<',
                client.get(f"/differences/?{query}").content.decode(),
            )
        )

    assert topics("") == {"How many people were detained?", "Who stormed it?"}
    assert topics("kind=attribution") == {"Who stormed it?"}
    assert topics("source=later-edition") == {"How many people were detained?"}
    assert topics("event=second") == {"Who stormed it?"}
    assert client.get("/differences/?kind=nonsense").status_code == 400
    assert client.get("/differences/?event=no-such-event").status_code == 400


def test_a_difference_has_its_page_and_the_event_lists_it(client, difference):
    page = client.get(difference.get_absolute_url())
    assert page.status_code == 200
    assert "How many people were detained?" in page.content.decode()
    event = difference.events.get()
    assert difference.get_absolute_url() in client.get(event.get_absolute_url()).content.decode()
    draft = Difference.objects.create(slug="draft", topic="Not yet", kind="wording")
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_how_a_number_changed_is_drawn_with_a_table_beside_it(client, difference):
    for path in (difference.get_absolute_url(), reverse("timeline:figure_list")):
        html = client.get(path).content.decode()
        chart = html[html.index('<div class="step-chart">') : html.index("</table>")]
        assert 'role="img"' in chart and "<path" in chart
        rows = re.findall(r"<tr><td>(\d)</td><td class=\"number\">([^<]+)</td>", chart)
        assert rows == [("1", "12"), ("2", "14")]  # first edition, then the later one
    assert difference.get_absolute_url() in client.get(reverse("timeline:figure_list")).content.decode()


def test_the_source_reader_anchors_every_position(client, difference):
    position = difference.positions.first()
    html = client.get(position.source.get_absolute_url()).content.decode()
    assert f'id="{position.anchor}"' in html
    assert difference.get_absolute_url() in html  # the passage links back to its difference


def test_the_words_table_puts_each_sources_words_in_its_column(client, difference):
    difference.subject = "protesters"
    difference.save()
    html = client.get(reverse("timeline:words_used")).content.decode()
    row = html[html.index(">The protesters</th>") :].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert len(cells) == Source.objects.count()
    assert sum("12 people were" in cell for cell in cells) == 1


def test_only_independently_corroborated_events(client, make_event, source):
    make_event(slug="alone")
    both = make_event(slug="both")
    other = Source.objects.create(
        slug="other-paper", title="Other", outlet="Other Paper", published_on="2022-01-07", kind="newspaper",
        seed_file="other.txt", text="Protesters stormed the office.",
    )  # fmt: skip
    Citation.objects.create(event=both, source=other, quote="Protesters stormed")
    html = client.get("/?corroborated=1").content.decode()
    assert 'id="both"' in html and 'id="alone"' not in html
    assert "Remove filter Independently corroborated only" in html
    card = html[html.index('id="both"') :]
    assert "Independently corroborated:</strong> 2 passages from 2 articles, 2 independent origins" in card


def test_every_claimant_a_party_is_said_in_words(client, make_event, source):
    from timeline.models import Actor

    police = Actor.objects.create(slug="police", name="Police", kind="security", party_to_conflict=True)
    event = make_event(slug="claimed")
    event.citations.update(claimant=police)
    card = client.get("/").content.decode()
    assert "every claimant is a party to the conflict" in card[card.index('id="claimed"') :]


def test_the_json_export_carries_differences_and_corroboration(client, difference):
    doc = json.loads(b"".join(client.get("/export/timeline.json").streaming_content))
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    (exported,) = doc["differences"]
    assert exported["id"] == "how-many-detained" and exported["kind"] == "number"
    assert exported["events"] == ["storming"]
    assert [p["reading"] for p in exported["positions"]] == ["12 detained", "14 detained"]
    assert exported["relations"] == [
        {"from": exported["positions"][1]["id"], "to": exported["positions"][0]["id"], "type": "updates"}
    ]
    figure_ids = {f["id"] for e in doc["events"] for f in e["figures"]}
    assert set(exported["figures"]) <= figure_ids and len(exported["figures"]) == 2
    event = next(e for e in doc["events"] if e["id"] == "storming")
    assert event["corroboration"]["level"] == "one_passage" and event["corroboration"]["passages"] == 1


def test_the_export_says_two_printings_of_one_story_are_one_origin(client, difference):
    event = difference.events.get()
    Citation.objects.create(event=event, source=Source.objects.get(slug="later-edition"), quote="Protesters stormed")
    doc = json.loads(b"".join(client.get("/export/timeline.json").streaming_content))
    corroboration = next(e for e in doc["events"] if e["id"] == event.slug)["corroboration"]
    assert corroboration["level"] == "one_origin" and corroboration["independent_origins"] == ["AFP"]
    assert corroboration["in_words"] == "2 passages from 2 articles of one origin (AFP)"


def test_filtered_exports_carry_only_the_differences_of_the_selected_events(client, difference):
    assert (
        json.loads(b"".join(client.get("/export/timeline.json?category=economy").streaming_content))["differences"]
        == []
    )
    rows = list(
        csv.DictReader(io.StringIO(b"".join(client.get("/export/differences.csv").streaming_content).decode()[1:]))
    )
    assert [row["reading"] for row in rows] == ["12 detained", "14 detained"]
    assert rows[1]["relations"].startswith("updates how-many-detained/position-1")


def test_as_known_on_leaves_later_positions_out(client, difference):
    Source.objects.filter(slug="later-edition").update(published_on="2022-01-08")
    doc = json.loads(b"".join(client.get("/export/timeline.json?known_on=6+Jan").streaming_content))
    (exported,) = doc["differences"]
    assert [p["reading"] for p in exported["positions"]] == ["12 detained"] and exported["relations"] == []


def test_an_editor_cannot_overwrite_a_colleagues_difference(admin_client, difference):
    url = reverse("admin:timeline_difference_change", args=[difference.pk])
    form = admin_client.get(url).content.decode()
    assert 'name="expected_version"' in form
    colleague = Difference.objects.get(pk=difference.pk)
    colleague.topic = "A colleague's question"
    colleague.save()
    data = {
        "topic": "My question", "slug": difference.slug, "status": "published", "kind": "number", "subject": "",
        "note": "", "expected_version": str(difference.version),
        "positions-TOTAL_FORMS": "0", "positions-INITIAL_FORMS": "0", "positions-MIN_NUM_FORMS": "0",
        "positions-MAX_NUM_FORMS": "1000", "relations-TOTAL_FORMS": "0", "relations-INITIAL_FORMS": "0",
        "relations-MIN_NUM_FORMS": "0", "relations-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    response = admin_client.post(url, data)
    assert "Someone else saved this difference while you were editing it" in response.content.decode()
    shown = re.search(r'name="expected_version" value="(\d+)"', response.content.decode()).group(1)
    again = admin_client.post(url, data | {"expected_version": shown})  # as the refused form would send it
    assert again.status_code == 200  # saving the same form again never reverts their change
    difference.refresh_from_db()
    assert difference.topic == "A colleague's question"


def test_a_misquoted_position_is_refused(difference):
    from django.core.exceptions import ValidationError

    position = Position(
        difference=difference,
        source=difference.positions.first().source,
        quote="Never printed",
        reading="x",
        claimant="y",
    )
    with pytest.raises(ValidationError, match="does not occur in the text of"):
        position.full_clean()
