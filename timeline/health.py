"""What the site needs in order to serve pages, checked for load balancers (/healthz), and what
readers get when the database is out of reach (a 503 page that needs no database)."""

import logging
import secrets
import time

from django.core.cache import caches
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

log = logging.getLogger(__name__)

#: Seconds a reader (or a crawler) is asked to wait before trying again when the database is unreachable.
RETRY_AFTER = 30


def check_database():
    """Read the tables every page reads: "no such table" (a lost or empty SQLite file), a locked or
    unreachable database all fail here, where ``SELECT 1`` would not notice the first two."""
    from timeline.models import DataVersion, Event

    DataVersion.objects.filter(pk=1).values_list("number").first()
    Event.objects.values_list("pk").first()


def check_cache():
    """Round-trip a value through the rendered-page cache, bypassing its fail-soft wrapper."""
    store = caches["rendered"]
    key, value = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
    store.set(key, value, timeout=10)
    try:
        if store.get(key) != value:
            raise RuntimeError("the cache did not return the value just stored")
    finally:
        store.delete(key)


#: name: (check, what its failure means for readers: "down" when pages cannot be served, else "degraded").
CHECKS = {"database": (check_database, "down"), "cache": (check_cache, "degraded")}


#: The checks failing in this process: a failure is logged when it starts and when it ends, not at
#: every probe of a load balancer.
_failing = set()


def health():
    """({"status": "ok" | "degraded" | "down", "checks": {name: {...}}}, HTTP status): 200 while pages
    can be served (slower without the cache: degraded), 503 when they cannot."""
    checks, status = {}, "ok"
    for name, (check, failure) in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # any failure of a dependency is what this reports
            if name not in _failing:
                _failing.add(name)
                log.warning("Health check %s failed: %r", name, error)
            checks[name] = {"status": failure, "error": type(error).__name__}
            status = "down" if failure == "down" or status == "down" else failure
        else:
            if name in _failing:
                _failing.discard(name)
                log.warning("Health check %s passes again.", name)
            checks[name] = {"status": "ok"}
        checks[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return {"status": status, "checks": checks}, 503 if status == "down" else 200


def database_unavailable(request=None):
    """503 with Retry-After, from a template that needs no database and no context processor."""
    html = loader.get_template("503.html").render()
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # Django would log every 5xx; the middleware logs once a minute
    return response


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached (stopped, restarting, locked past the busy timeout)
    gives readers a 503 page asking them to come back, not a bare 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    LOG_SECONDS = 60
    _logged_at = None  # time.monotonic() of the last log, shared by the process's threads
    _unlogged = 0

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        now, cls = time.monotonic(), type(self)
        if cls._logged_at is None or now - cls._logged_at >= self.LOG_SECONDS:  # once a minute, not per request
            log.error("Database unavailable (%r): 503 for %s and %d requests before it.", exception, request.path,
                      cls._unlogged)  # fmt: skip
            cls._logged_at, cls._unlogged = now, 0
        else:
            cls._unlogged += 1
        return database_unavailable(request)


class HeadWithoutBodyMiddleware:
    """HEAD is answered as GET would be (status, headers, Content-Length) but without the body, and
    without reading a streamed export to its end."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            response.streaming_content = []  # an export's generator is never started: no row is read
        elif response.content:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
