"""Hostile input: every odd request gets a 4xx with a message, never a 500, on SQLite and PostgreSQL."""

import datetime
import json
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from timeline import days, imports
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


@pytest.fixture
def export(client, curated):
    """The curated data as /export/timeline.json serves it: an import of it is valid."""
    return json.loads(b"".join(client.get("/export/timeline.json").streaming_content))


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "document", "nested more than 20 levels deep"),
        ('{"a": ' + "9" * 5000 + "}", "document", "a number of 5,000 characters"),
        ('{"a": 1e999}', "document", "too large to store"),
        ('{"a": NaN}', "document", "NaN is no number JSON allows"),
        (b'{"a": "\xff"}', "byte 7", "not UTF-8"),
        ('{"a": "\x00"}', "line 1, column 8", "not valid JSON: Invalid control character"),
    ],
)
def test_a_file_the_importer_cannot_read_is_a_problem_not_a_traceback(data, where, message):
    doc, problems = imports.parse(data)
    assert doc is None
    assert [(problem.where, message in problem.message) for problem in problems] == [(where, True)]


def test_a_file_beyond_the_size_limit_is_not_read():
    assert imports.parse(b"[]" * 10, max_bytes=10)[1] == [
        imports.Problem("file", "20 bytes, more than the limit of 10")
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Police \ud800 fired", "a lone surrogate (U+D800, half of a character) at character 8"),
        ("Police\x00 fired", "a control character (U+0000) at character 7"),
        ("Police\x1b fired", "a control character (U+001B) at character 7"),
    ],
)
def test_text_no_database_can_store_is_refused_with_where_it_is(export, value, message):
    export["events"][3]["summary"] = value
    slug = export["events"][3]["id"]
    assert [str(p) for p in imports.validate(export)] == [f"event {slug!r}, summary: {message}"]


def test_tabs_and_line_breaks_are_text(export):
    export["events"][3]["summary"] = "Police\tfired.\r\nThen\nthey left."
    assert imports.validate(export) == []


def test_a_number_beyond_64_bits_or_the_schema_is_refused(export):
    export["sources"][0]["edition"] = 10**30
    export["events"][0]["corroboration"]["passages"] = 10**7
    assert sorted(p.message for p in imports.validate(export)) == ["a number too large to store"]
    export["sources"][0]["edition"] = 40_000
    assert [p.message for p in imports.validate(export)] == [
        "40000 is greater than the maximum of 32767",
        "10000000 is greater than the maximum of 1000000",
    ]


def test_a_document_nested_deeper_than_the_schema_is_refused(export):
    nested = []
    export["events"][0]["actors"] = [nested]
    for _ in range(30):
        nested.append([])
        nested = nested[0]
    problems = imports.validate(export)
    assert [p.message for p in problems] == ["nested more than 20 levels deep"]


@pytest.mark.parametrize(
    ("collection", "field", "limit"),
    [
        ("events", "summary", 20_000),
        ("events", "date_basis_note", 5_000),
        ("sources", "text", 500_000),
        ("sources", "url_basis", 5_000),
        ("differences", "note", 5_000),
    ],
)
def test_every_text_has_a_length_limit(export, collection, field, limit):
    export[collection][0][field] = "x" * (limit + 1)
    problems = imports.validate(export)
    assert [p.message for p in problems] == [f"{limit + 1:,} characters, more than the {limit:,} allowed"]


def test_a_quote_has_a_length_limit(export):
    export["events"][0]["citations"][0]["quote"] = "x" * 5_001
    assert [p.message for p in imports.validate(export)] == ["5,001 characters, more than the 5,000 allowed"]


@pytest.mark.parametrize(("field", "limit"), [("summary", 20_000), ("date_basis_note", 5_000)])
def test_the_models_refuse_texts_beyond_the_limits(make_event, field, limit):
    event = make_event()
    setattr(event, field, "x" * (limit + 1))
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert list(error.value.message_dict) == [field]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000, "nested more than 20 levels deep"),
        ('{"a": ' + "9" * 5000 + "}", "a number of 5,000 characters"),
        ('{"a": "\\ud800"}', "a lone surrogate"),
        ('{"a": "\\u0000"}', "a control character (U+0000)"),
    ],
)
def test_the_import_command_reports_a_hostile_file_without_a_traceback(db, tmp_path, capsys, content, message):
    path = tmp_path / "timeline.json"
    path.write_text(content)
    with pytest.raises(CommandError, match="nothing was written") as error:
        call_command("import_timeline", str(path))
    assert message in str(error.value) + capsys.readouterr().err


def test_the_import_command_refuses_a_file_beyond_its_size_limit(db, tmp_path):
    path = tmp_path / "timeline.json"
    path.write_bytes(b" " * (2**20 + 1))
    with pytest.raises(CommandError, match="larger than 1 MB: nothing was read"):
        call_command("import_timeline", str(path), "--max-size", "1")


# A hostile corpus against every public page: odd query strings, paths, headers and methods get
# an answer below 500 (a 4xx with a message, or the page), on SQLite and PostgreSQL alike.

PUBLIC_PAGES = [
    "/",
    "/events/nazarbayev-rule-begins/",
    "/sources/",
    "/sources/moscow-times-afp/",
    "/figures/",
    "/map/",
    "/embed/",
    "/changes/",
    "/changes/feed/",
    "/changes/feed.json",
    "/differences/",
    "/differences/words/",
    "/differences/who-held-almaty-airport/",
    "/actors/",
    "/actors/tokayev/",
    "/places/",
    "/places/almaty/",
    "/sources/csl.json",
    "/export/timeline.json",
    "/export/timelinejs.json",
    "/export/events.csv",
    "/export/figures.csv",
    "/export/differences.csv",
    "/export/annotations.jsonld",
    "/export/schema.json",
    "/healthz",
]
ODD_QUERIES = [
    "page=0",
    "page=-1",
    "page=99999999999999999999",
    "page=abc",
    "page=1e3",
    "page=%00",
    "page=" + "1" * 5000,
    "page=1&page=2",
    "q=%00",
    "q=" + "x" * 10_000,
    "q=%ff%fe",
    "q=%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "q=%F0%9F%92%A5%E2%80%AE",
    "q=%",
    "q=%22%27%3C%3E%5C",
    "q=*",
    "q=-",
    "q=NEAR(",
    "q=%5B%5D%7B%7D%28%29%22%22",
    "start=0001-01-01",
    "end=9999-12-31&start=0001-01-01",
    "start=%00",
    "start=" + "9" * 5000,
    "start=5 Jan&start=6 Jan",
    "known_on=31 Feb",
    "reported_by=0001-01-01",
    "actor=%00",
    "actor=" + "a" * 1000,
    "&".join(f"actor=a{n}" for n in range(300)),
    "category=%00",
    "kind=zzz",
    "source=x",
    "event=%00",
    "event=" + "e" * 200,
    "corroborated=maybe",
    "unknown=1",
    "%00=%00",
    "=",
    "&&&",
    "q[]=1",
    "callback=alert(1)",
]
ODD_PATHS = [
    "/events/%00/",
    "/events/" + "a" * 5000 + "/",
    "/events/%ff/",
    "/sources/..%2f..%2fsettings.py/",
    "/differences/%E2%80%AE/",
    "/export/timeline.json/",
    "//",
    "/%00",
    "/actors/%ED%A0%80/",
    "/places/" + "%F0%9F%92%A5" * 50 + "/",
    "/static/../timeline/settings.py",
    "/admin/../",
]
ODD_HEADERS = [
    {"HX-Request": "true"},
    {"HX-Request": "junk", "HX-Target": "x" * 5000, "HX-Trigger": "\x00", "HX-Boosted": "yes"},
    {"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Current-URL": "javascript:alert(1)"},
    {"HX-Request": "true", "HX-Current-URL": "http://[::1"},
    {"Accept": "application/json;q=abc", "Accept-Language": "zz-" + "z" * 500},
    {"If-None-Match": '"' + "x" * 5000 + '"', "If-Modified-Since": "Mon, 99 Foo 9999 99:99:99 GMT"},
    {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT", "If-None-Match": "*"},
    {"Range": "bytes=99999999999999999999-", "Cookie": "csrftoken=\x00; sessionid=" + "s" * 5000},
    {"Host": "testserver", "X-Forwarded-For": "not an address", "Referer": "\x00"},
]


def answer(client, method, path, **kwargs):
    """The status of a request, with a streamed body read to its end: an export fails while streaming."""
    response = getattr(client, method)(path, **kwargs)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response.status_code


@pytest.fixture
def hostile_client(client, curated):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_query_strings_never_fail(hostile_client, query):
    # The pages whose fragments read the query string are asked with htmx too.
    asked = [(path, {}) for path in PUBLIC_PAGES] + [(path, HTMX) for path in ("/", "/embed/", "/differences/")]
    failed = [(path, h) for path, h in asked if answer(hostile_client, "get", f"{path}?{query}", headers=h) >= 500]
    assert failed == []


@pytest.mark.parametrize("path", ODD_PATHS)
def test_odd_paths_never_fail(hostile_client, path):
    assert answer(hostile_client, "get", path) < 500


@pytest.mark.parametrize("headers", ODD_HEADERS)
def test_odd_headers_never_fail(hostile_client, headers):
    failed = [path for path in PUBLIC_PAGES if answer(hostile_client, "get", path, headers=headers) >= 500]
    assert failed == []


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
def test_methods_a_reader_never_uses_are_refused(hostile_client, method):
    answers = {path: answer(hostile_client, method, path) for path in PUBLIC_PAGES}
    assert {path: status for path, status in answers.items() if status >= 500} == {}
    assert set(answers.values()) <= {403, 405}
