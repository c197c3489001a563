import csv
import io
import json
import re

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from timeline import editing
from timeline.exports.csv import spreadsheet_safe
from timeline.exports.json import SCHEMA_PATH
from timeline.exports.rows import EVENT_CHUNK
from timeline.models import TIMELINE_START, Actor, Citation, DateBasis, Difference, Event, Figure, Place, Source

from .conftest import timeline_chunks

pytestmark = pytest.mark.django_db

EVENT_FIELDS = {"id", "date", "end_date", "time", "date_precision", "title", "summary", "category",
                "actors", "places", "url", "citations", "figures"}  # fmt: skip
SCHEMA = json.loads(SCHEMA_PATH.read_text())
EVENT_ID = r'<article class="event [^"]*" id="([^"]+)"'


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def get_export(client, name="timeline:export_timeline_json", query="", **headers):
    response = client.get(reverse(name) + (f"?{query}" if query else ""), headers=headers)
    assert response.status_code == 200, body(response)
    return response


def export_json(client, query=""):
    response = get_export(client, query=query)
    assert response["Content-Type"] == "application/json"
    return json.loads(body(response))


def csv_rows(response):
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")  # a BOM, so spreadsheets read UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def slugs_on_page(client, query):
    """Every event the filtered timeline shows, following its "more" links chunk by chunk."""
    return [slug for html in timeline_chunks(client, query) for slug in re.findall(EVENT_ID, html)]


def test_export_has_the_public_shape_and_validates_against_the_schema(client, curated):
    doc = export_json(client)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    assert doc["schema_version"] == 1
    assert doc["generated_at"].endswith("Z")
    assert {
        "id",
        "title",
        "outlet",
        "origin",
        "authors",
        "published_on",
        "url",
        "rights",
        "archive_url",
        "kind",
    } <= set(doc["sources"][0])
    assert all(set(event) >= EVENT_FIELDS for event in doc["events"])
    figure = next(f for e in doc["events"] for f in e["figures"])
    assert {"measure", "value", "qualifier", "claimant", "claimant_words", "reported_on", "source", "quote"} <= set(
        figure
    )
    assert "seed_file" not in doc["sources"][0]  # an internal file name: readers never see one


def test_exported_passages_link_to_the_original_words_and_sources_to_their_archive(client, curated):
    doc = export_json(client)
    sources = {source["id"]: source for source in doc["sources"]}
    times = sources["moscow-times-afp"]
    assert times["archive_url"] == f"https://web.archive.org/web/20220106/{times['url']}"
    assert times["rights"].startswith("© Agence France-Presse (AFP)")
    assert sources["tass"]["url"] == sources["tass"]["archive_url"] == ""
    for citation in (c for event in doc["events"] for c in event["citations"]):
        source = sources[citation["source"]]
        if source["url"]:
            assert citation["original_url"].startswith(source["url"] + "#:~:text=")
        else:
            assert citation["original_url"] == ""


def test_the_schema_is_served_and_its_choices_match_the_models(client):
    response = client.get(reverse("timeline:export_schema"))
    assert response.status_code == 200
    assert json.loads(body(response)) == SCHEMA
    defs = SCHEMA["$defs"]
    assert defs["event"]["properties"]["category"]["enum"] == Event.Category.values
    assert defs["event"]["properties"]["date_precision"]["enum"] == Event.Precision.values
    assert defs["date_basis"]["enum"] == DateBasis.values
    assert defs["figure"]["properties"]["measure"]["enum"] == Figure.Measure.values
    assert defs["source"]["properties"]["kind"]["enum"] == Source.Kind.values
    assert defs["actor"]["properties"]["kind"]["enum"] == Actor.Kind.values
    assert defs["place"]["properties"]["kind"]["enum"] == Place.Kind.values


def test_export_equals_the_database(client, curated):
    doc = export_json(client)
    assert [s["id"] for s in doc["sources"]] == sorted(Source.objects.public().values_list("slug", flat=True))
    assert len(doc["actors"]) == Actor.objects.public().count()
    assert len(doc["places"]) == Place.objects.public().count()
    assert [e["id"] for e in doc["events"]] == list(Event.objects.published().values_list("slug", flat=True))
    assert sum(len(e["citations"]) for e in doc["events"]) == Citation.objects.count()
    assert sum(len(e["figures"]) for e in doc["events"]) == Figure.objects.count()
    event = Event.objects.published().first()
    exported = next(e for e in doc["events"] if e["id"] == event.slug)
    assert exported["date"] == event.date.isoformat()
    assert exported["url"] == "http://testserver" + event.get_absolute_url()  # the address it was served at
    assert sorted(exported["actors"]) == sorted(event.actors.values_list("slug", flat=True))


def test_export_leaves_out_drafts(client, make_event):
    make_event(slug="public")
    make_event(slug="private", status=Event.Status.DRAFT)
    assert [e["id"] for e in export_json(client)["events"]] == ["public"]


def test_the_command_writes_the_same_document(client, curated, tmp_path):
    output = tmp_path / "timeline.json"
    call_command("export_timeline", output=str(output), site_url="http://testserver")
    from_command = json.loads(output.read_text(encoding="utf-8"))
    from_view = export_json(client)
    from_command.pop("generated_at")
    from_view.pop("generated_at")
    assert from_command == from_view


FILTERS = [
    "",
    "category=economy",
    "actor=tokayev&start=5+Jan",
    "q=Alma-Ata&kind=tabloid",
    "known_on=6+Jan",
    "start=6+Jan&end=6+Jan",
]


@pytest.mark.parametrize("query", FILTERS)
def test_every_export_holds_exactly_what_the_filtered_page_shows(client, curated, query):
    page = slugs_on_page(client, query)
    assert [e["id"] for e in export_json(client, query)["events"]] == page
    timelinejs = json.loads(body(get_export(client, "timeline:export_timelinejs", query + "&context=1")))
    assert [slide["unique_id"] for slide in timelinejs["events"]] == page
    events = csv_rows(get_export(client, "timeline:export_events_csv", query))
    assert [row["event_id"] for row in events] == page
    figures = csv_rows(get_export(client, "timeline:export_figures_csv", query))
    assert {row["event_id"] for row in figures} <= set(page)


def test_the_page_links_to_its_exports_with_its_filters(client, curated):
    html = client.get(reverse("timeline:index") + "?category=economy&actor=tokayev").content.decode()
    for name in ("export_timeline_json", "export_timelinejs", "export_events_csv", "export_figures_csv"):
        assert f'href="{reverse("timeline:" + name)}?category=economy&amp;actor=tokayev"' in html


@pytest.mark.parametrize("query", ["known_on=6+Jan", "reported_by=6+Jan"])  # and the old name of the filter
def test_as_known_on_also_limits_the_exported_sources_citations_and_summaries(client, curated, query):
    doc = export_json(client, query)
    cited = {c["source"] for e in doc["events"] for c in e["citations"]}
    assert cited == {"moscow-times-afp", "afp-update"}
    assert {s["id"] for s in doc["sources"]} == {"moscow-times-afp", "afp-update"}
    withheld = [e for e in doc["events"] if e["summary_withheld"]]
    later = set(Citation.objects.filter(source__published_on__gt="2022-01-06").values_list("event__slug", flat=True))
    assert {e["id"] for e in withheld} == later & {e["id"] for e in doc["events"]} != set()
    assert all(e["summary"].startswith("Summary withheld") for e in withheld)


def test_a_bad_filter_on_an_export_is_a_400_with_the_message(client, curated):
    response = client.get(reverse("timeline:export_events_csv") + "?start=32+Jan")
    assert response.status_code == 400
    assert "Could not read “32 Jan” as a date" in json.loads(response.content)["errors"]["start"][0]


def timelinejs(client, query=""):
    return json.loads(body(get_export(client, "timeline:export_timelinejs", query)))


def test_timelinejs_slides(client, curated):
    slides = {slide["unique_id"]: slide for slide in timelinejs(client, "context=1")["events"]}
    assert len(slides) == Event.objects.published().count()
    timed = slides["gunfire-near-city-hall-evening"]
    assert timed["start_date"] == {"year": 2022, "month": 1, "day": 6, "hour": 17, "minute": 30}
    assert timed["group"] == "Violence"
    assert "display_date" not in timed
    overnight = slides["almaty-overnight-battles"]
    assert overnight["end_date"] == {"year": 2022, "month": 1, "day": 6}
    assert overnight["display_date"] == "Between 5 and 6 January 2022"
    assert slides["csto-founded"]["start_date"] == {"year": 1999}


def test_timelinejs_leaves_the_background_out_by_default_so_the_axis_spans_the_unrest(client, curated):
    doc = timelinejs(client)
    context = Event.objects.published().filter(date__lt=TIMELINE_START)
    assert len(doc["events"]) == Event.objects.published().count() - context.count() > 0
    assert min(slide["start_date"]["year"] for slide in doc["events"]) == 2022
    assert f"{context.count()} events of the background before 2 January are left out" in doc["title"]["text"]["text"]
    response = client.get(reverse("timeline:export_timelinejs") + "?context=yes")
    assert response.status_code == 400
    assert "context is 1" in json.loads(response.content)["errors"]["context"][0]


def test_each_timelinejs_slide_credits_and_links_its_sources_from_the_requests_address(client, curated):
    doc = json.loads(body(client.get(reverse("timeline:export_timelinejs") + "?category=economy", secure=True)))
    assert "This selection: Category: Economy and daily life." in doc["title"]["text"]["text"]
    assert 'href="https://testserver/?category=economy"' in doc["title"]["text"]["text"]
    for slide in doc["events"]:
        event = Event.objects.get(slug=slide["unique_id"])
        text = slide["text"]["text"]
        assert "<strong>Sources</strong>" in text
        for citation in event.citations.all():
            link = f'<a href="https://testserver/sources/{citation.source.slug}/#{citation.anchor}">'
            assert link + escape(citation.source.label) in text
        assert f'<a href="https://testserver{event.get_absolute_url()}">' in text
        assert slide["text"]["headline"] == escape(event.title)


AFP = {"moscow-times-afp", "afp-update"}  # two editions of one AFP story


def test_events_csv_is_acled_like_and_quoted(client, curated):
    response = get_export(client, "timeline:export_events_csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kazakhstan-2022-events.csv"'
    rows = {row["event_id"]: row for row in csv_rows(response)}
    afp_only = next(
        e
        for e in Event.objects.published().filter(places__latitude__isnull=False).distinct()
        if set(e.citations.values_list("source__slug", flat=True)) == AFP
    )
    row = rows[afp_only.slug]
    assert row["event_date"] == afp_only.date.isoformat() and row["category"] == afp_only.category
    assert row["citations"] == str(afp_only.citations.count())
    assert set(row["source_ids"].split(";")) == AFP
    assert row["independent_origins"] == "1"  # two editions of one AFP story
    assert set(row["place_ids"].split(";")) == set(afp_only.places.values_list("slug", flat=True))
    assert row["latitude"] and row["longitude"]
    assert "," in rows["cabinet-resigns"]["summary"]  # commas survive the quoting
    event = Event.objects.exclude(date_basis=DateBasis.STATED).first()
    assert rows[event.slug]["date_basis"] == event.date_basis
    assert rows[event.slug]["date_basis_note"] == event.date_basis_note


def test_figures_csv_has_one_row_per_figure(client, curated):
    rows = csv_rows(get_export(client, "timeline:export_figures_csv"))
    assert len(rows) == Figure.objects.count()
    killed = {(r["source_id"], r["value"]) for r in rows if r["measure"] == "security_killed"}
    assert {("moscow-times-afp", "13"), ("afp-update", "18")} <= killed


def test_a_figures_claimant_is_exported_as_its_actor_with_the_articles_words(client, curated):
    """JSON: the actor's id, as a citation's claimant, with the words beside it; CSV: the actor's
    name and id, and the words; an unattributed number has no claimant in either."""
    ministry = Figure.objects.get(claimant__slug="kazakh-interior-ministry", claimant_words="the Interior Ministry")
    own = Figure.objects.filter(claimant=None, claimant_words="").select_related("event").first()
    doc = export_json(client)
    figures = {(e["id"], f["quote"]): f for e in doc["events"] for f in e["figures"]}
    exported = figures[ministry.event.slug, ministry.quote]
    assert (exported["claimant"], exported["claimant_words"]) == ("kazakh-interior-ministry", "the Interior Ministry")
    assert (figures[own.event.slug, own.quote]["claimant"], figures[own.event.slug, own.quote]["claimant_words"]) == (
        None,
        "",
    )
    rows = {(r["event_id"], r["quote"]): r for r in csv_rows(get_export(client, "timeline:export_figures_csv"))}
    row = rows[ministry.event.slug, ministry.quote]
    assert (row["claimant"], row["claimant_id"], row["claimant_words"]) == (
        "Interior Ministry of Kazakhstan",
        "kazakh-interior-ministry",
        "the Interior Ministry",
    )
    assert rows[own.event.slug, own.quote]["claimant"] == rows[own.event.slug, own.quote]["claimant_id"] == ""


def test_spreadsheet_formulas_are_defused():
    row = ["=HYPERLINK(1)", "@SUM", "+1", "-1", "Plain text", 12, None]
    assert spreadsheet_safe(row) == ["'=HYPERLINK(1)", "'@SUM", "'+1", "'-1", "Plain text", 12, None]


@pytest.mark.parametrize(
    "name", ["timeline:export_timeline_json", "timeline:export_timelinejs", "timeline:export_events_csv"]
)
def test_a_repeated_download_is_answered_304(client, curated, name):
    first = get_export(client, name)
    etag = first["ETag"]
    assert client.get(reverse(name), headers={"If-None-Match": etag}).status_code == 304
    assert get_export(client, name, "category=economy")["ETag"] != etag  # another selection
    event = Event.objects.published().first()
    event.title = "Changed"
    editing.save_event(event, note="Retitled.")
    assert client.get(reverse(name), headers={"If-None-Match": etag}).status_code == 200


def test_the_json_export_streams(client, curated):
    response = get_export(client)
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="kazakhstan-2022-timeline.json"'


@pytest.mark.parametrize(
    "name", ["timeline:export_timeline_json", "timeline:export_events_csv", "timeline:export_figures_csv"]
)
def test_export_queries_do_not_grow_with_events(client, curated, name):
    """Four times the events in one chunk: the same queries (no query per event)."""

    def queries():
        with CaptureQueriesContext(connection) as captured:
            body(get_export(client, name))
        return len(captured)

    few = queries()
    call_command("generate_events", Event.objects.count() * 3, stdout=io.StringIO(), stderr=io.StringIO())
    assert Event.objects.count() < EVENT_CHUNK
    assert queries() == few


def test_sources_as_csl_json(client, curated):
    response = client.get(reverse("timeline:source_csl"))
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json"
    items = {item["id"]: item for item in json.loads(response.content)}
    mt = items["moscow-times-afp"]
    assert mt["type"] == "article-newspaper"
    assert mt["container-title"] == "The Moscow Times"
    assert mt["issued"] == {"date-parts": [[2022, 1, 6]]}
    assert {"family": "Rickleton", "given": "Christopher"} in mt["author"]
    assert "Date inferred" in items["uk-tabloid"]["note"]


def test_event_pages_embed_json_ld_and_a_cite_box(client, curated, settings):
    settings.ALLOWED_HOSTS = ["timeline.example.org"]
    url = reverse("timeline:event_detail", args=["cabinet-resigns"])
    html = client.get(url, headers={"host": "timeline.example.org"}, secure=True).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "Event" and data["startDate"] == "2022-01-05"
    assert data["url"] == "https://timeline.example.org/events/cabinet-resigns/"  # where the reader found it
    publishers = {a.get("publisher", {}).get("name") for a in data["subjectOf"]}
    assert "The Moscow Times" in publishers
    assert any(a["url"].startswith("https://www.themoscowtimes.com/") for a in data["subjectOf"])
    assert "Cite this event" in html
    assert (
        "In <cite>Kazakhstan, January 2022: a cited timeline</cite>, https://timeline.example.org/events/cabinet-resigns/"
        in html
    )


# Import ------------------------------------------------------------------------------------------


def exported(client, tmp_path):
    path = tmp_path / "timeline.json"
    path.write_bytes(body(get_export(client)))
    return path


def test_round_trip_export_import_into_an_empty_database_export(client, curated, tmp_path, capsys):
    path = exported(client, tmp_path)
    before = json.loads(path.read_text())
    events = Event.objects.count()
    for model in (Difference, Figure, Citation, Event, Actor, Place, Source):
        model.objects.all().delete()
    call_command("import_timeline", str(path))
    out = capsys.readouterr()
    assert f"events: {events} created, 0 updated" in out.out
    assert f"{events} / {events} events" in out.err  # progress
    after = export_json(client)
    before.pop("generated_at")
    after.pop("generated_at")
    assert after == before


def test_an_import_keeps_each_figures_claimant_and_words(client, curated, tmp_path):
    def claimants():
        return sorted(Figure.objects.values_list("event__slug", "quote", "claimant__slug", "claimant_words"))

    before = claimants()
    assert any(slug for _, _, slug, _ in before) and any(words for *_, words in before)
    path = exported(client, tmp_path)
    Figure.objects.update(claimant=None, claimant_words="")
    call_command("import_timeline", str(path), note="Figures' claimants restored.")
    assert claimants() == before


def test_an_import_refuses_a_figure_claimant_that_is_no_actor(client, curated, tmp_path, capsys):
    doc = export_json(client)
    event = next(e for e in doc["events"] if e["figures"])
    event["figures"][0]["claimant"] = "the-interior-ministry"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_timeline", str(path))
    assert f"event '{event['id']}', figures[0].claimant: no actor has the id 'the-interior-ministry'" in (
        capsys.readouterr().err
    )


def test_importing_again_updates_in_place(client, curated, tmp_path, capsys):
    counts = {model: model.objects.count() for model in (Event, Citation, Figure)}
    path = exported(client, tmp_path)
    call_command("import_timeline", str(path))
    assert f"events: 0 created, {counts[Event]} updated" in capsys.readouterr().out
    assert {model: model.objects.count() for model in counts} == counts  # replaced, not duplicated


def test_a_dry_run_writes_nothing(client, curated, tmp_path, capsys):
    path = exported(client, tmp_path)
    Event.objects.all().delete()
    call_command("import_timeline", str(path), dry_run=True)
    assert "Dry run: nothing was written" in capsys.readouterr().out
    assert not Event.objects.exists()


def test_a_bad_import_reports_every_problem_where_it_is_and_writes_nothing(client, curated, tmp_path, capsys):
    doc = export_json(client)
    doc["events"][0]["citations"][0]["quote"] = "A sentence no article printed."
    doc["events"][1]["date"] = "2022-02-30"
    doc["events"][2]["actors"].append("nobody")
    doc["events"][3]["figures"] = [{"measure": "detained", "value": -5, "qualifier": "", "claimant": "police",
                                    "reported_on": "2022-01-06", "source": "tass", "quote": "x"}]  # fmt: skip
    doc["events"][4]["title"] = "Renamed, but the file is invalid"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_timeline", str(path))
    err = capsys.readouterr().err
    first, second, third, fourth = (doc["events"][i]["id"] for i in range(4))
    assert f"event '{second}', date" in err
    assert f"event '{fourth}', figures[0].value: -5 is less than the minimum of 0" in err
    assert not Event.objects.filter(title="Renamed, but the file is invalid").exists()

    # With the schema problems fixed, the references and quotes are checked too.
    doc["events"][1]["date"] = "2022-01-05"
    doc["events"][3]["figures"] = []
    path.write_text(json.dumps(doc))
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_timeline", str(path))
    err = capsys.readouterr().err
    assert f"event '{first}', citations[0], quote: This passage does not occur in the text of" in err
    assert f"event '{third}', actors: no actor has the id 'nobody'" in err


@pytest.mark.parametrize(("content", "message"), [("{not json", "not valid JSON"), (None, "Cannot read")])
def test_an_unreadable_import_file_is_a_clear_error(tmp_path, db, content, message):
    path = tmp_path / "in.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_timeline", str(path))


# W3C Web Annotation -----------------------------------------------------------------------------

#: The model's motivations: an annotation's must be one of them.
MOTIVATIONS = [
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing", "highlighting",
    "identifying", "linking", "moderating", "questioning", "replying", "tagging",
]  # fmt: skip
#: What the Web Annotation Data Model requires (its MUSTs, as the W3C's own test suite,
#: w3c/web-annotation-tests, checks them) of a collection, a page, an annotation, a specific
#: resource and the two selectors the export uses.
WEB_ANNOTATION_MUSTS = {
    "type": "object",
    "required": ["@context", "id", "type", "total", "first"],
    "properties": {
        "@context": {"const": "http://www.w3.org/ns/anno.jsonld"},
        "id": {"type": "string", "format": "uri"},
        "type": {"const": "AnnotationCollection"},
        "total": {"type": "integer", "minimum": 0},
        "first": {
            "type": "object",
            "required": ["id", "type", "items"],
            "properties": {
                "type": {"const": "AnnotationPage"},
                "startIndex": {"type": "integer", "minimum": 0},
                "items": {"type": "array", "items": {"$ref": "#/$defs/annotation"}},
            },
        },
    },
    "$defs": {
        "annotation": {
            "type": "object",
            "required": ["id", "type", "target"],
            "not": {"required": ["body", "bodyValue"]},
            "properties": {
                "id": {"type": "string", "format": "uri"},
                "type": {"const": "Annotation"},
                "motivation": {"enum": MOTIVATIONS},
                "body": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": "string", "format": "uri"}},
                },
                "target": {
                    "type": "object",
                    "required": ["source", "selector"],
                    "properties": {
                        "type": {"const": "SpecificResource"},
                        "source": {"type": "string", "format": "uri"},
                        "selector": {
                            "type": "array",
                            "items": {
                                "oneOf": [
                                    {
                                        "type": "object",
                                        "required": ["type", "exact"],
                                        "properties": {
                                            "type": {"const": "TextQuoteSelector"},
                                            "exact": {"type": "string", "minLength": 1},
                                            "prefix": {"type": "string"},
                                            "suffix": {"type": "string"},
                                        },
                                    },
                                    {
                                        "type": "object",
                                        "required": ["type", "start", "end"],
                                        "properties": {
                                            "type": {"const": "TextPositionSelector"},
                                            "start": {"type": "integer", "minimum": 0},
                                            "end": {"type": "integer", "minimum": 0},
                                        },
                                    },
                                ]
                            },
                        },
                    },
                },
            },
        }
    },
}


def annotations(client, query=""):
    response = get_export(client, "timeline:export_annotations", query)
    assert response["Content-Type"].startswith("application/ld+json")
    return json.loads(body(response))


def test_the_annotations_validate_and_select_exactly_the_cited_words(client, curated):
    doc = annotations(client)
    jsonschema.Draft202012Validator(WEB_ANNOTATION_MUSTS, format_checker=jsonschema.FormatChecker()).validate(doc)
    items = doc["first"]["items"]
    published = Event.objects.published()
    cited = Citation.objects.filter(event__in=published).count() + Figure.objects.filter(event__in=published).count()
    assert doc["total"] == len(items) == cited
    texts = {source.slug: source for source in Source.objects.all()}
    for item in items:
        source = texts[item["id"].split("/sources/")[1].split("/")[0]]
        quote, position = item["target"]["selector"]
        assert source.text[position["start"] : position["end"]] == quote["exact"]
        assert source.text[: position["start"]].endswith(quote["prefix"])
        assert source.text[position["end"] :].startswith(quote["suffix"])
        assert item["target"]["source"] == (source.url or f"http://testserver{source.get_absolute_url()}")
        assert item["body"]["id"].startswith("http://testserver/events/")


def test_the_annotations_are_filtered_like_the_other_exports(client, curated):
    doc = annotations(client, "category=violence&known_on=7+Jan")
    events = {item["body"]["id"] for item in doc["first"]["items"]}
    page = {f"http://testserver/events/{slug}/" for slug in slugs_on_page(client, "category=violence&known_on=7+Jan")}
    assert events and events <= page
    assert all("/sources/tass/" not in item["id"] for item in doc["first"]["items"])  # TASS: 8 January
    assert doc["id"] == "http://testserver/export/annotations.jsonld?category=violence&known_on=7+Jan"
