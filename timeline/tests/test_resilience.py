"""The site keeps serving when the cache fails, the database is busy or out of reach, or a client
sends what it likes (issue 20): each test stops or breaks one thing and looks at what readers get."""

import json
import logging
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from timeline import caching, editing
from timeline.caching import BoundedMemoryCache, rendered
from timeline.health import DatabaseUnavailableMiddleware

# The cache: bounded, whatever clients send ----------------------------------------------------------


def rendered_keys():
    """The keys of the per-process rendered cache (the tests' cache: settings without DJANGO_REDIS_URL)."""
    return set(caches["rendered"]._cache)


def page_keys():
    """The keys of kept pages (event cards, keyed by the event and the cleaned date, aside)."""
    return {key for key in rendered_keys() if ":page:" in key}


def test_unknown_parameters_make_no_new_cache_key(client, make_event):
    assert client.get("/").status_code == 200
    keys = rendered_keys()
    for number in range(5):
        response = client.get(f"/?u={number}&utm_source=x{number}")
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get(f"/sources/?u={number}")["Location"] == "/sources/"
    assert rendered_keys() == keys


def test_unknown_htmx_header_values_make_no_new_cache_key(client, make_event):
    client.get("/")
    keys = rendered_keys()
    for number in range(5):
        for headers in (
            {"HX-Source": f"button#b{number}"},
            {"HX-Request": f"yes{number}"},
            {"HX-Target": f"t{number}"},
        ):
            assert client.get("/", headers=headers).status_code == 200
    assert rendered_keys() == keys
    fragment = client.get("/", headers={"HX-Request": "true"})  # a known value: the fragment, its own entry
    assert b"<html" not in fragment.content and len(rendered_keys()) == len(keys) + 1


def test_a_selection_is_kept_once_whatever_comes_with_it(client, make_event):
    """The key is the selection the form's cleaned values make: parameters in another order are the
    same selection; the empty fields a submitted form leaves and unknown parameters are nothing."""
    make_event()
    address = "/?start=2022-01-05&category=protest&category=violence"
    assert client.get(address).status_code == 200
    keys = rendered_keys()
    assert client.get("/?category=violence&start=2022-01-05&category=protest").status_code == 200
    assert rendered_keys() == keys
    with_junk = "/?q=&start=2022-01-05&category=protest&end=&category=violence&junk=1"
    response = client.get(with_junk)
    assert response.status_code == 302 and response["Location"] == address
    fragment = client.get(with_junk, headers={"HX-Request": "true"})  # htmx: served as the selection it makes
    assert fragment.status_code == 200 and fragment["HX-Push-Url"] == address
    assert len(rendered_keys()) == len(keys) + 1  # the fragment, once


def test_a_date_typed_loosely_is_answered_as_typed_but_not_kept(client, make_event):
    """ "5 Jan", "January 5", "5/1"...: one day in countless spellings, each shown as typed; only the
    spelling the form writes (2022-01-05) is kept."""
    make_event()
    for typed in ("5+Jan", "January+5", "5/1", "5++Jan"):
        response = client.get(f"/?start={typed}")
        assert response.status_code == 200 and 'id="storming"' in response.content.decode()
    assert page_keys() == set()


def test_dates_outside_the_collection_are_answered_but_not_kept(client, make_event):
    """Every day of every year is a valid date: only days the collection covers make pages and cards to keep."""
    make_event()
    for day in ("2031-01-05", "2031-01-06", "1931-01-05"):
        for name in ("start", "end", "known_on"):
            assert client.get(f"/?{name}={day}").status_code == 200
    assert page_keys() == set()
    assert not [key for key in rendered_keys() if "31-01-0" in key]  # nor cards as known on such a day
    assert client.get("/?start=2022-01-05").status_code == 200
    assert page_keys()


def test_invalid_selections_are_answered_but_not_kept(client, make_event):
    make_event()  # dates from 5 January (the event) to 6 January (its source) are covered
    for number, category in enumerate(("violence", "protest", "security")):
        assert client.get(f"/?start=banana{number}").status_code == 400  # a value the field refuses
        response = client.get(f"/?start=2022-01-06&end=2022-01-05&category={category}")  # a form that refuses it
        assert response.status_code == 400
    assert page_keys() == set()


def test_a_forged_port_in_the_host_header_is_not_kept(client, make_event):
    for port in (1, 2, 3):
        assert client.get("/", headers={"host": f"testserver:{port}"}).status_code == 200
    assert rendered_keys() == set()


def test_the_per_process_cache_is_bounded_in_bytes():
    cache = BoundedMemoryCache("bounded-test", {"TIMEOUT": 60, "OPTIONS": {"MAX_ENTRIES": 1000, "MAX_BYTES": 50_000}})
    cache.clear()
    for number in range(100):
        cache.set(f"page{number}", b"x" * 2_000)
        cache.get("page0")  # read often: kept
    assert 40_000 < cache.size <= 50_000
    assert cache.get("page0") is not None and cache.get("page99") is not None and cache.get("page1") is None
    cache.set("huge", b"x" * 60_000)  # larger than the whole cache: not kept, nothing evicted for it
    assert cache.get("huge") is None and cache.get("page99") is not None
    cache.clear()
    assert cache.size == 0


def test_pages_are_kept_compressed_only(client, curated):
    page = client.get("/").content
    (entry,) = [caches["rendered"].get(key.split(":", 2)[2]) for key in rendered_keys() if ":page:" in key]
    assert isinstance(entry, caching.RenderedPage) and len(entry.compressed) < len(page) / 3
    assert not hasattr(entry, "content")
    assert client.get("/", headers={"accept-encoding": "identity"}).content == page


# The cache: failing soft -----------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port: the shared one is never stopped."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):  # up to 5 s
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def keys(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=1).keys("*")


@pytest.fixture
def private_redis(settings):
    server = PrivateRedis()
    server.start()
    settings.CACHES = {
        **settings.CACHES,
        "rendered": {**settings.CACHES["rendered"], "BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": f"redis://127.0.0.1:{server.port}/0",
                     "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1}},
    }  # fmt: skip
    rendered.reset()
    try:
        yield server
    finally:
        server.stop()
        rendered.reset()


def test_pages_are_served_without_the_cache_and_use_it_again_when_it_is_back(
    client, make_event, private_redis, monkeypatch, caplog
):
    monkeypatch.setattr(caching.FailSoftCache, "RETRY_SECONDS", 0)  # try the cache on every request
    event = make_event()
    paths = ["/", "/sources/", event.get_absolute_url(), "/figures/", "/?category=violence"]
    for path in paths:
        assert client.get(path).status_code == 200
    assert private_redis.keys()
    assert json.loads(client.get("/healthz").content)["status"] == "ok"

    private_redis.stop()
    caplog.set_level(logging.WARNING, logger="timeline.caching")
    for _ in range(3):
        for path in paths:
            response = client.get(path, headers={"HX-Request": "true"} if "category" in path else {})
            assert response.status_code == 200, path
    assert f'id="{event.slug}"' in client.get("/").content.decode()
    health = client.get("/healthz")
    report = json.loads(health.content)
    assert health.status_code == 200 and report["status"] == "degraded"
    assert report["checks"]["cache"]["status"] == "degraded" and report["checks"]["database"]["status"] == "ok"
    failures = [record for record in caplog.records if record.name == "timeline.caching"]
    assert len(failures) == 1 and "failed" in failures[0].getMessage()  # once, not once per request

    private_redis.start()  # the same port
    assert client.get("/?category=violence").status_code == 200
    assert private_redis.keys()  # the cache is used again
    assert "is back" in caplog.records[-1].getMessage()
    assert json.loads(client.get("/healthz").content)["status"] == "ok"


def test_a_failing_cache_is_left_alone_between_retries(client, make_event, private_redis, monkeypatch):
    """While the cache is failing, requests do not each wait for it."""
    calls = []
    cache_class = caches["rendered"].__class__
    real = cache_class.get
    monkeypatch.setattr(
        cache_class, "get", lambda self, *args, **kwargs: calls.append(1) or real(self, *args, **kwargs)
    )
    private_redis.stop()
    for _ in range(5):
        assert client.get("/").status_code == 200
    assert rendered.failing and len(calls) <= 1


# The database: readers read while someone writes ---------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking; PostgreSQL readers never wait for writers")
def test_readers_read_while_a_writer_holds_its_transaction(client, make_event, transactional_db):
    """An import (thousands of events in one transaction) or an editor's save holds SQLite's write
    lock until it commits; in rollback-journal mode, once it spills or commits it locks every reader
    out (a 500 after the busy timeout). In WAL mode readers read the last committed state."""
    event = make_event(title="Committed title")
    writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=1, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")  # what an import's transaction becomes when it writes its pages
        writer.execute("UPDATE timeline_event SET title = 'Uncommitted title' WHERE id = ?", [event.pk])
        writer.execute("UPDATE timeline_dataversion SET number = number + 1")
        started = time.monotonic()
        for path in (event.get_absolute_url(), "/", "/healthz"):
            response = client.get(path)
            assert response.status_code == 200, path
        assert time.monotonic() - started < 4  # nobody waited for the writer
        assert "Committed title" in client.get(event.get_absolute_url()).content.decode()
        writer.execute("COMMIT")
    finally:
        if writer.in_transaction:
            writer.execute("ROLLBACK")
        writer.close()
    assert "Uncommitted title" in client.get(event.get_absolute_url()).content.decode()


def test_sqlite_waits_for_a_writer_rather_than_failing():
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor == "sqlite":
        assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 10
        assert "journal_mode=WAL" in options["init_command"]


# Health -------------------------------------------------------------------------------------------------


def test_healthz_reports_each_check(client, db):
    response = client.get("/healthz")
    report = json.loads(response.content)
    assert response.status_code == 200 and report["status"] == "ok"
    assert {name: check["status"] for name, check in report["checks"].items()} == {"database": "ok", "cache": "ok"}


def test_healthz_is_down_when_a_table_pages_need_is_missing(client, db):
    """A lost SQLite file is an empty new one: "no such table" on every page, though SELECT 1 works."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE timeline_event RENAME TO timeline_event_gone")
    response = client.get("/healthz")
    report = json.loads(response.content)
    assert response.status_code == 503 and report["status"] == "down"
    assert report["checks"]["database"]["status"] == "down" and report["checks"]["cache"]["status"] == "ok"


def test_healthz_is_degraded_not_down_when_the_cache_fails(client, db, monkeypatch, caplog):
    def broken(self, *args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(caches["rendered"].__class__, "set", broken)
    caplog.set_level(logging.WARNING, logger="timeline.health")
    for _ in range(3):  # a load balancer probes every few seconds
        response = client.get("/healthz")
        assert response.status_code == 200 and json.loads(response.content)["status"] == "degraded"
    assert len(caplog.records) == 1  # logged when it starts, not at every probe
    monkeypatch.undo()
    assert json.loads(client.get("/healthz").content)["status"] == "ok"
    assert len(caplog.records) == 2 and "passes again" in caplog.records[-1].getMessage()


def test_readers_get_a_503_with_retry_after_when_the_database_is_unreachable(client, db, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr("timeline.models.DataVersion.current", unreachable)
    monkeypatch.setattr(DatabaseUnavailableMiddleware, "_logged_at", None)
    caplog.set_level(logging.ERROR, logger="timeline.health")
    for path in ("/", "/sources/", "/events/anything/", "/export/events.csv"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 503, path
        assert int(response["Retry-After"]) > 0 and "no-store" in response["Cache-Control"]
        html = response.content.decode()
        assert "<h1>The timeline is briefly unavailable</h1>" in html and 'class="site-header"' in html
        assert not queries.captured_queries  # the page itself needs no database
    assert len(caplog.records) == 1  # logged once a minute, not once a request


def test_persistent_connections_are_checked_before_reuse(tmp_path):
    script = "from django.conf import settings; print(settings.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_CONN_MAX_AGE": "60", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.stdout.strip() == "True", result.stderr


@pytest.mark.parametrize(
    "path",
    ["/", "/?category=violence", "/events/storming/", "/sources/", "/figures/", "/healthz", "/export/events.csv"],
)
def test_head_works_wherever_get_does(client, make_event, path):
    make_event()
    get = client.get(path)
    for _ in range(2):  # rendered, then from the cache
        head = client.head(path)
        body = b"".join(head.streaming_content) if head.streaming else head.content
        assert head.status_code == 200 and body == b""
        assert head["Content-Type"] == get["Content-Type"]
    if not get.streaming and path != "/healthz":
        assert int(head["Content-Length"]) == len(get.content)


# Deploys: the build is part of every key ----------------------------------------------------------------


def test_a_new_build_never_gets_the_old_builds_pages(client, curated, monkeypatch):
    first = client.get("/")
    assert client.get("/", headers={"if-none-match": first["ETag"]}).status_code == 304
    monkeypatch.setattr(caching, "build_id", lambda: "the-next-build")
    with CaptureQueriesContext(connection) as queries:
        after = client.get("/", headers={"if-none-match": first["ETag"]})
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert len(queries) > 1  # rendered again, not served from the old build's entry


def test_the_build_id_follows_the_static_manifest(settings, tmp_path):
    """In production (collectstatic's manifest) the build is the manifest's hash, with the code and templates."""
    builds = []
    for manifest_hash in ("aaaa", "bbbb"):
        manifest = {"paths": {"css/site.css": f"css/site.{manifest_hash}.css"}, "version": "1.1", "hash": manifest_hash}
        (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
        settings.STATIC_ROOT = tmp_path  # each setting anew: Django then forgets the storage it made
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        }
        caching.build_id.cache_clear()
        builds.append(caching.build_id())
    caching.build_id.cache_clear()
    assert builds[0] != builds[1]


def test_a_data_change_still_moves_every_key(client, make_event):
    event = make_event(title="Before")
    client.get("/")
    event.title = "After"
    editing.save_event(event, note="Retitled.")
    assert "After" in client.get("/").content.decode()


def test_head_sends_no_body_even_from_a_streamed_export(make_event, rf):
    """The test client drops HEAD bodies itself; servers (gunicorn) read the app's body and warn. So
    through the WSGI handler: no byte of the page, and the export's rows are never read."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    make_event()
    statuses = []
    for signal in (request_started, request_finished):  # as the test client does: the test's transaction stays
        signal.disconnect(close_old_connections)
    try:
        for path in ("/", "/export/events.csv"):
            environ = rf._base_environ(PATH_INFO=path, REQUEST_METHOD="HEAD")
            with CaptureQueriesContext(connection) as queries:
                response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
                body = b"".join(response)
                response.close()
            assert statuses[-1].startswith("200") and body == b"", path
        assert not any("timeline_citation" in query["sql"] for query in queries.captured_queries)  # the export's
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
