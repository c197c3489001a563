"""Hostile input: planted markup stays inert everywhere; random and malformed requests
never cause a server error; the deployment checks pass; the admin throttles logins."""

import datetime
import json
import re
import subprocess
import sys
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.template import loader
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from timeline.models import Actor, Citation, Event, Figure, Place, Source
from timeline.security import client_ip

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def body(response):
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


@pytest.fixture
def planted(db):
    """Markup and script in a source's text, a quote, an event, an actor's and a place's name."""
    source = Source.objects.create(
        slug="hostile", title=f"Title {PAYLOAD}", outlet=f"Outlet {PAYLOAD}", authors=f"A {PAYLOAD}",
        published_on=datetime.date(2022, 1, 6), kind="wire", seed_file="hostile.txt",
        text=f"Before. Quoted {PAYLOAD} passage. =HYPERLINK(\"http://evil\") After.",
    )  # fmt: skip
    actor = Actor.objects.create(slug="hostile-actor", name=f"Actor {PAYLOAD}", kind="person", aliases=[PAYLOAD])
    place = Place.objects.create(slug="hostile-place", name=f"Place {PAYLOAD}", kind="city")
    event = Event.objects.create(
        slug="hostile-event", title=f"Event {PAYLOAD}", summary=f"=HYPERLINK(\"http://evil\") {PAYLOAD}",
        category="violence", date=datetime.date(2022, 1, 5), status=Event.Status.PUBLISHED,
        date_basis="outside", date_basis_note=f"Known {PAYLOAD}",
    )  # fmt: skip
    event.actors.add(actor)
    event.places.add(place)
    Citation.objects.create(event=event, source=source, quote=f"Quoted {PAYLOAD} passage.", note=PAYLOAD)
    Figure.objects.create(
        event=event, source=source, measure="detained", value=3, claimant_words=f"Police {PAYLOAD}",
        reported_on=datetime.date(2022, 1, 6), quote=f"Quoted {PAYLOAD}", scope=f"Scope {PAYLOAD}",
    )  # fmt: skip
    return event


HTML_PAGES = [
    "/",
    "/?q=Quoted",
    "/?actor=hostile-actor",
    "/events/hostile-event/",
    "/sources/",
    "/sources/hostile/",
    "/figures/",
    "/actors/",
    "/actors/hostile-actor/",
    "/places/",
    "/places/hostile-place/",
]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_planted_markup_is_inert_on_every_page(client, planted, path):
    html = body(client.get(path))
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert" in html  # shown, as text


def test_planted_markup_is_inert_in_the_highlighted_source_text(client, planted):
    html = body(client.get("/sources/hostile/"))
    text = html.split('class="article-text">')[1].split("</div>")[0]
    assert "<mark" in text and "&lt;script&gt;" in text and "<script" not in text


def test_planted_markup_cannot_close_the_json_ld_block(client, planted):
    html = body(client.get("/events/hostile-event/"))
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    assert json.loads(block)["name"] == f"Event {PAYLOAD}"  # escaped for HTML, intact as data


def test_planted_markup_in_the_exports(client, planted):
    timeline = json.loads(body(client.get(reverse("timeline:export_timeline_json"))))
    assert timeline["events"][0]["title"] == f"Event {PAYLOAD}"  # JSON carries the data as it is
    timelinejs = body(client.get(reverse("timeline:export_timelinejs")))
    slide = json.loads(timelinejs)["events"][0]
    assert "<script" not in slide["text"]["headline"] + slide["text"]["text"]  # HTML that TimelineJS renders
    assert "&lt;script&gt;" in slide["text"]["text"]
    events_csv = body(client.get(reverse("timeline:export_events_csv")))
    assert "'=HYPERLINK" in events_csv and ',"=HYPERLINK' not in events_csv
    csl = json.loads(body(client.get(reverse("timeline:source_csl"))))
    assert csl[0]["title"] == f"Title {PAYLOAD}"


def test_the_admin_shows_planted_markup_as_text(admin_client, planted):
    for url in (
        reverse("admin:timeline_event_change", args=[planted.pk]),
        reverse("admin:timeline_source_change", args=[planted.citations.first().source_id]),
        reverse("admin:timeline_event_changelist"),
    ):
        html = body(admin_client.get(url))
        assert "<script>alert" not in html, url


# Random and malformed requests ---------------------------------------------------------------------

PUBLIC_PATHS = [
    "/",
    "/figures/",
    "/sources/",
    "/actors/",
    "/places/",
    "/sources/csl.json",
    "/export/timeline.json",
    "/export/timelinejs.json",
    "/export/events.csv",
    "/export/figures.csv",
    "/export/differences.csv",
    "/export/annotations.jsonld",
    "/export/schema.json",
    "/map/",
    "/embed/",
    "/differences/",
    "/changes/",
    "/changes/feed/",
    "/changes/feed.json",
    "/healthz",
]
EXPORTS = [path for path in PUBLIC_PATHS if path.startswith("/export/") and "schema" not in path]
FILTER_NAMES = ["q", "start", "end", "known_on", "reported_by", "category", "actor", "place", "source", "kind", "page"]
text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
fuzz = hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("path", EXPORTS)
def test_a_search_with_no_searchable_word_exports_nothing_rather_than_failing(client, planted, path):
    """PostgreSQL's parser finds no word in ":" and Django then knows the selection is empty."""
    response = client.get(path, {"q": ":"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"hostile-event" not in content  # the search matched nothing


@fuzz
@given(
    path=st.sampled_from(PUBLIC_PATHS),
    params=st.lists(st.tuples(st.one_of(st.sampled_from(FILTER_NAMES), text), text), max_size=8),
)
def test_random_query_strings_never_cause_a_server_error(client, planted, path, params):
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(f"{path}?{query}", headers=headers)
        assert response.status_code < 500, (path, query)
        if response.status_code == 400 and path.startswith("/export/"):
            assert json.loads(response.content)["errors"]


@fuzz
@given(raw=st.binary(max_size=200))
def test_malformed_bytes_in_the_query_string_never_cause_a_server_error(client, planted, raw):
    query = "".join(f"%{byte:02X}" if byte > 127 or chr(byte) in "&=%#+ " else chr(byte) for byte in raw)
    for path in ("/", "/export/events.csv"):
        assert client.get(f"{path}?q={query}&actor={query}&start={query}").status_code < 500


@fuzz
@given(segment=text.filter(lambda s: s not in ("", ".", "..")))
def test_random_path_segments_are_not_found_not_errors(client, planted, segment):
    for prefix in ("/events/", "/sources/", "/actors/", "/places/", "/export/"):
        response = client.get(prefix + quote(segment, safe="") + "/")
        assert response.status_code in (404, 301, 302, 400), (prefix, segment)


def test_invalid_filters_answer_400_with_a_message(client, planted):
    response = client.get("/?category=nonsense&actor=%00")
    assert response.status_code == 400
    html = body(response)
    assert "Select a valid choice. nonsense is not one of the available choices." in html


@pytest.mark.parametrize(
    "query",
    ["q=" + "x" * 10_000, "start=" + "5 Jan " * 100, "&".join(f"actor=a{i}" for i in range(2000))],
    ids=["long search", "long date", "too many fields"],
)
def test_oversized_input_is_refused_politely(client, planted, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert "<h1>" in body(response)  # the site's own page, not a stack trace


@pytest.mark.parametrize(("path", "status"), [("/no-such-page/", 404), ("/events/no-such-event/", 404)])
def test_error_pages_match_the_site(client, db, path, status):
    response = client.get(path)
    assert response.status_code == status
    html = body(response)
    assert 'class="site-header"' in html and "Not found" in html


def test_the_500_page_matches_the_site(client):
    html = loader.get_template("500.html").render()  # as Django renders it: without a request or the database
    assert 'class="site-header"' in html and "css/site.css" in html and "Something went wrong" in html


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and json.loads(response.content)["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


# Deployment -----------------------------------------------------------------------------------------


def check_deploy(tmp_path, **env):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "kz-" + "a8F3q9Zt7LmP2xW6vB1nR4yH0cJ5sD8gK3eU7iO9" * 2,
        "DJANGO_ALLOWED_HOSTS": "timeline.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    result = check_deploy(tmp_path, DJANGO_SITE_URL="https://timeline.example.org")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout  # HSTS preload declined
    result = check_deploy(tmp_path, DJANGO_SITE_URL="https://timeline.example.org", DJANGO_HSTS_PRELOAD="1")
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_hsts_preload_is_opt_in(tmp_path):
    """Preloading is a one-way door for a domain: off unless asked for."""
    script = "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_PRELOAD)"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.stdout.split() == ["31536000", "False"], result.stderr


def test_check_deploy_warns_when_the_site_address_is_unset(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode != 0
    assert "(timeline.W001) DJANGO_SITE_URL is not set." in result.stdout + result.stderr


def test_the_site_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR, env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "0"}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "Set DJANGO_SECRET_KEY" in result.stderr


def test_every_response_carries_the_strict_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "style-src 'self'" in policy


def sign_in(client, password, address="203.0.113.7", username="admin", **headers):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def test_repeated_wrong_passwords_lock_that_account_from_that_address(client, admin_user):
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(1, limit):
        assert "Please enter the correct username and password" in body(sign_in(client, "wrong")), attempt
    locked = sign_in(client, "wrong")  # the limit reached: locked from now on
    assert locked.status_code == 429 and "Too many failed sign-in attempts" in body(locked)
    for cache in caches.all():
        cache.clear()  # the lock lives in the database: no cache expiry or restart lifts it
    refused = sign_in(client, "password")  # the next attempt, even with the right password
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    assert sign_in(client, "password", address="198.51.100.20").status_code == 302  # another address: not locked
    assert AccessAttempt.objects.filter(username="admin", ip_address="203.0.113.7").exists()  # shown in the admin


def test_the_lock_is_lifted_by_axes_reset(client, admin_user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    call_command("axes_reset", verbosity=0)
    assert sign_in(client, "password").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),  # not behind a proxy: the header is anyone's to forge
        (1, "198.51.100.1", "198.51.100.1"),  # what our proxy saw and appended
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged entry on the left is ignored
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),  # two proxies in a chain
        (1, "", "10.0.0.2"),  # a request that bypassed the proxy
    ],
)
def test_the_client_address_behind_a_proxy(settings, rf, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_a_proxy_twenty_failures_from_anyone_lock_out_no_one_else(client, admin_user, settings):
    """Every request comes from the proxy's address; the lock must follow the client's."""
    settings.PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert sign_in(client, "password", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert sign_in(client, "password", address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 302


# Compression -------------------------------------------------------------------------------------


def gzipped(client, path, **kwargs):
    return client.get(path, headers={"accept-encoding": "gzip"}, **kwargs).get("Content-Encoding") == "gzip"


def test_readers_pages_and_exports_are_compressed(client, planted):
    assert gzipped(client, "/")
    assert gzipped(client, "/events/hostile-event/")
    assert gzipped(client, "/export/events.csv")


def test_pages_that_hold_a_secret_are_not_compressed(client, admin_user, planted):
    """BREACH: a CSRF token or a signed-in session must not be compressed beside text an attacker controls."""
    assert not gzipped(client, "/admin/login/")  # a CSRF token
    client.force_login(admin_user)
    assert not gzipped(client, "/")
    assert not gzipped(client, "/admin/")


def test_several_machines_share_rendered_pages_through_redis(tmp_path):
    """DJANGO_REDIS_URL puts the rendered cache in Redis (CI starts one on 127.0.0.1:6379)."""
    script = (
        "from django.core.cache import caches; cache = caches['rendered']; "
        "cache.set('probe', 'shared', 5); print(type(cache).__name__, cache.get('probe'))"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_REDIS_URL": "redis://127.0.0.1:6379/0",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'redis.sqlite3'}"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.stdout.split() == ["RedisCache", "shared"], result.stderr
