"""Hostile input: every odd request gets a 4xx with a message, never a 500, on SQLite and PostgreSQL."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User

from timeline import days
from timeline.models import Event

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("path", ["/", "/embed/", "/map/", "/export/timeline.json"])
@pytest.mark.parametrize(
    "query", ["start=0001-01-01", "end=9999-12-31", "known_on=0001-01-01", "start=1899-12-31", "end=2101-01-01"]
)
@pytest.mark.parametrize("headers", [{}, HTMX])
def test_dates_beyond_what_the_timeline_shows_are_refused(client, curated, path, query, headers):
    response = client.get(f"{path}?{query}", headers=headers)
    assert response.status_code == 400
    assert "choose a date between 1 January 1900 and 31 December 2100" in response.content.decode()


def test_the_bounds_themselves_are_accepted(client, curated):
    assert client.get("/?start=1900-01-01&end=2100-12-31").status_code == 200


def event_on(day):
    return SimpleNamespace(date=day, is_context=False)


@pytest.mark.parametrize(
    ("start", "end", "event_days"),
    [
        (datetime.date.min, datetime.date.max, []),
        (datetime.date.min, datetime.date.max, [datetime.date(2022, 1, 5), datetime.date.max]),
        (None, datetime.date.max, [datetime.date.max]),
        (datetime.date.min, None, [datetime.date.min]),
    ],
)
def test_the_sections_of_any_dates_never_overflow(start, end, event_days):
    coverage = SimpleNamespace(last=datetime.date(2022, 1, 20))
    sections = days.sections_of([event_on(d) for d in event_days], coverage, {"start": start, "end": end})
    assert [s.day for s in sections if s.events] == sorted({max(d, start) if start else d for d in event_days})


def test_the_strip_of_a_span_to_the_last_date_never_overflows(make_event):
    make_event(date="9999-12-30", end_date=datetime.date.max)
    strip = days.day_strip(
        Event.objects.published(),
        query_for_day=str,
    )
    assert [d.date for d in strip.days] == [datetime.date(9999, 12, 30), datetime.date.max]


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "a long passphrase"))
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("model", "field"),
    [("event", "actors"), ("event", "places"), ("difference", "events"), ("citation", "source"), ("figure", "event")],
)
@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "1,abc", "\x00"])
def test_a_bad_initial_value_on_an_add_page_is_ignored(superuser_client, curated, model, field, value):
    response = superuser_client.get(f"/admin/timeline/{model}/add/", {field: value})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query", ["actors=99999999999999999999", "id__in=99999999999999999999", "q=%00", "status=%00", "actors=%00"]
)
def test_a_bad_changelist_filter_gets_the_changelists_error_redirect(superuser_client, curated, query):
    response = superuser_client.get(f"/admin/timeline/event/?{query}")
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("term", ["\x00", "a\x00b", "x" * 5000])
@pytest.mark.parametrize("page", ["", "0", "abc", "99999999999999999999"])
def test_the_autocomplete_answers_odd_terms(superuser_client, curated, term, page):
    query = {"app_label": "timeline", "model_name": "event", "field_name": "actors", "term": term, "page": page}
    assert superuser_client.get("/admin/autocomplete/", query).status_code in (200, 404)  # 404: no such page
