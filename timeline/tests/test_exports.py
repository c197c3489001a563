import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from timeline.models import Actor, Citation, Event, Figure, Place, Source

pytestmark = pytest.mark.django_db

EVENT_FIELDS = {
    "id",
    "date",
    "end_date",
    "time",
    "date_precision",
    "title",
    "summary",
    "category",
    "actors",
    "places",
    "url",
    "citations",
    "figures",
}


def get_export(client):
    response = client.get(reverse("timeline:export_timeline_json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_export_has_the_public_shape(client, curated):
    doc = get_export(client)
    assert doc["schema_version"] == 1
    assert doc["generated_at"].endswith("Z")
    assert {"id", "title", "outlet", "origin", "authors", "published_on", "url", "seed_file", "kind"} <= set(
        doc["sources"][0]
    )
    assert {"id", "name", "kind", "aliases"} <= set(doc["actors"][0])
    assert {"id", "name", "kind", "aliases", "latitude", "longitude"} <= set(doc["places"][0])
    assert all(set(event) >= EVENT_FIELDS for event in doc["events"])
    assert {"source", "quote", "note"} <= set(doc["events"][0]["citations"][0])
    figure = next(f for e in doc["events"] for f in e["figures"])
    assert {"measure", "value", "qualifier", "claimant", "reported_on", "source", "quote"} <= set(figure)


def test_export_equals_the_database(client, curated):
    doc = get_export(client)
    assert [s["id"] for s in doc["sources"]] == sorted(Source.objects.values_list("slug", flat=True))
    assert len(doc["actors"]) == Actor.objects.count()
    assert len(doc["places"]) == Place.objects.count()
    assert [e["id"] for e in doc["events"]] == list(Event.objects.published().values_list("slug", flat=True))
    assert sum(len(e["citations"]) for e in doc["events"]) == Citation.objects.count()
    assert sum(len(e["figures"]) for e in doc["events"]) == Figure.objects.count()
    tokayev = next(a for a in doc["actors"] if a["id"] == "tokayev")
    assert "Kassym-Zhomart Tokayev" in tokayev["aliases"]
    event = Event.objects.published().first()
    exported = next(e for e in doc["events"] if e["id"] == event.slug)
    assert exported["date"] == event.date.isoformat()
    assert exported["url"] == "http://127.0.0.1:8000" + event.get_absolute_url()
    assert sorted(exported["actors"]) == sorted(event.actors.values_list("slug", flat=True))


def test_export_leaves_out_drafts(client, make_event):
    make_event(slug="public")
    make_event(slug="private", status=Event.Status.DRAFT)
    assert [e["id"] for e in get_export(client)["events"]] == ["public"]


def test_the_command_writes_the_same_document(client, curated, tmp_path):
    output = tmp_path / "timeline.json"
    call_command("export_timeline", output=str(output))
    from_command = json.loads(output.read_text(encoding="utf-8"))
    from_view = get_export(client)
    from_command.pop("generated_at")
    from_view.pop("generated_at")
    assert from_command == from_view


def test_export_queries_do_not_grow_with_events(client, curated, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        get_export(client)
