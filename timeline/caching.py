"""Everything derived from the data is keyed by one durable data version, and by the build.

``models.DataVersion`` is a row that every change to the curated data moves on, in the
same transaction. Rendered pages, rendered event cards, and the ETag and Last-Modified of
pages and exports are all keyed by it, so none of them can outlive a change, whichever
cache holds them (per process by default, Redis when several machines serve the site) and
whether or not a cache entry expires: a stale entry is simply never asked for again.
``build_id()`` does the same for a deploy: new code, templates or static files, new keys.

The cache is an accelerator, never a dependency: a page's key comes from the values its filter
form understood (never the raw query string or headers), so the keys are as many as the real
selections; and a cache that fails is left alone for a few seconds while pages render from the
database, the failure logged once a minute, not once a request (``FailSoftCache``)."""

import datetime
import functools
import gzip
import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import django
from django import forms
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import compress_string
from django.views.decorators.http import condition

from timeline.forms import RENAMED_PARAMETERS, SLUG
from timeline.models import DataVersion

log = logging.getLogger(__name__)

#: The htmx request headers a page varies on, each with the one value that changes what it renders:
#: any other value renders what no header does, so it makes no key of its own. (HX-Source: the
#: search box, whose typing replaces the current history entry instead of adding one: views.index.)
HTMX_VARIANTS = {
    "HX-Request": "true",
    "HX-History-Restore-Request": "true",
    "HX-Boosted": "true",
    "HX-Source": "input#id_q",
}
VARYING_HEADERS = tuple(HTMX_VARIANTS)


# The build ------------------------------------------------------------------------------------------


@functools.cache
def build_id():
    """What this deployment renders with, as a short hash: Django's version, the project's Python
    code and templates, and its static files, by the hash of collectstatic's manifest when the
    manifest storage is in use (production: it names every hashed file a page links to), else by
    their contents (development). Computed once per process; a deploy restarts the processes."""
    digest = hashlib.sha256(django.get_version().encode())
    package = Path(__file__).resolve().parent
    files = [path for path in package.rglob("*.py") if "tests" not in path.relative_to(package).parts]
    for directory in settings.TEMPLATES[0]["DIRS"]:
        files += Path(directory).rglob("*")
    manifest_hash = getattr(staticfiles_storage, "manifest_hash", None)
    if manifest_hash:
        digest.update(f"manifest:{manifest_hash}".encode())
    else:
        for directory in settings.STATICFILES_DIRS:
            files += Path(directory).rglob("*")
    for path in sorted(path for path in files if path.is_file()):
        digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


#: When this process began serving its build: a Last-Modified no older than the build, so that a
#: client asking only If-Modified-Since gets the new build's page, not a 304.
BUILD_LOADED_AT = datetime.datetime.now(datetime.UTC).replace(microsecond=0)


# What a page is keyed by ------------------------------------------------------------------------------


def data_version(request):
    """The current data version, read once per request."""
    if not hasattr(request, "_data_version"):
        request._data_version = DataVersion.current()
    return request._data_version


def htmx_variant(request):
    """Which of the known htmx variants the request asks for, as "0101": never the raw headers."""
    return "".join("1" if request.headers.get(name) == value else "0" for name, value in HTMX_VARIANTS.items())


def selection_of(form_class, query, *, unused=()):
    """(the query a page reads, its key): ``query`` reduced to ``form_class``'s own fields (renamed
    ones under their current names, ``unused`` ones left out, empty ones too), as typed; and the key
    of the selection it makes, from each value as the field cleaned it (a date as ISO, choices
    sorted, text stripped). The key is None, and the page rendered but never kept, when a value is
    invalid (the page then says so) or not spelled as the field would write it ("5 Jan" for
    2022-01-05: the page shows it as typed): so there are as many keys as real selections. Model
    choices are compared as the slugs given (an unknown one makes the page a 400, which is not kept)
    so that a page served from the cache costs no query to look them up. Also returns the dates
    the selection names."""
    names = [name for name in form_class.base_fields if name not in unused]
    read = QueryDict(mutable=True)
    for key, values in query.lists():
        key = RENAMED_PARAMETERS.get(key, key)
        if key in names and (kept := [value for value in values if value.strip()]):
            read.setlist(key, read.getlist(key) + kept)
    form = form_class(read)
    selection, dates = [], []
    for name in names:
        field = form.fields[name]
        given = read.getlist(name)
        if isinstance(field, forms.ModelMultipleChoiceField):
            values = sorted(set(given))
            if not all(SLUG.fullmatch(value) for value in values):
                return read, None, []
        else:
            try:
                value = field.clean(field.widget.value_from_datadict(read, {}, name))
            except ValidationError:
                return read, None, []
            values = _encoded(field, value)
            if isinstance(value, datetime.date):
                dates.append(value)
        if sorted(given) != sorted(values):
            return read, None, []
        if values:
            selection.append((name, values))
    return read, "&".join(f"{name}={value}" for name, values in selection for value in values), dates


@functools.lru_cache(maxsize=4)
def dates_covered(version):
    """(first, last): from the first event's day to the last day an event or an article is dated,
    for data version ``version``. A selection by a date outside them shows what the same selection
    by the nearest day inside shows (with the date as asked): such pages are answered but not kept,
    or every day of every year would make one."""
    from timeline.models import Event, Source

    events = Event.objects.aggregate(first=Min("date"), last=Max("date"), last_end=Max("end_date"))
    last_article = Source.objects.aggregate(last=Max("published_on"))["last"]
    days = [day for day in (events["last"], events["last_end"], last_article) if day]
    return events["first"], max(days, default=None)


def _dates_are_covered(version, dates):
    first, last = dates_covered(version)
    return all(first is not None and first <= day <= last for day in dates)


def _encoded(field, value):
    """A cleaned value as the query string's values, as the form's own inputs would send it."""
    if value is None or value is False or value == "":
        return []
    if value is True:
        return ["1"]  # the form's checkbox
    if isinstance(value, datetime.date):
        return [value.isoformat()]
    if isinstance(value, list | tuple | set):
        order = {str(choice): number for number, (choice, _) in enumerate(getattr(field, "choices", ()))}
        return sorted({str(item) for item in value}, key=lambda item: (order.get(item, len(order)), item))
    return [str(value)]


def _host_is_canonical(request):
    """A Host header may carry any port, and a page's absolute links repeat it: only the port the
    server listens on (or none) makes pages worth keeping."""
    _, port = split_domain_port(request.get_host())
    return not port or port == request.get_port()


def data_etag(request, *args, **kwargs):
    """Changes whenever the build, the data, the address, the selection or the variant asked for
    does. Weak: the same page is sent compressed or not. For a cached page the selection is its
    canonical form (cached_page); for an export, the query string as sent."""
    if hasattr(request, "_data_etag"):
        return request._data_etag
    variant = getattr(request, "_page_variant", None) or (
        request.get_full_path(),
        *(request.headers.get(name, "") for name in VARYING_HEADERS),
    )
    parts = [
        build_id(),
        data_version(request).number,
        request.get_host(),
        request.is_secure(),
        request.user.is_authenticated,
        variant,
    ]
    request._data_etag = f'W/"{hashlib.sha256(repr(parts).encode()).hexdigest()[:32]}"'
    return request._data_etag


def data_last_modified(request, *args, **kwargs):
    return max(data_version(request).changed_at, BUILD_LOADED_AT)


def conditional(view):
    """Answer a repeated request for unchanged data with 304 Not Modified, before any work."""
    return condition(etag_func=data_etag, last_modified_func=data_last_modified)(view)


def cached_page(view=None, *, query=None, unused=()):
    """Serve a reader's page from the rendered-page cache; render it once per data version and
    build otherwise. ``query``: the form whose fields are the page's query parameters (None: the
    page reads none; ``unused``: fields of it the page does not read). A request with parameters
    the page does not read (or empty ones, or old names) is redirected to the address without them,
    or, from htmx, served as if it had asked for it (the fragment pushes that address); its key is
    the selection's (selection_of): so the pages kept are as many as the real selections, whatever
    a client sends. The same selection with its parameters in another order is the same page.
    Signed-in editors, who may see drafts, always get a fresh page. A reload of an unchanged page is
    answered 304."""
    if view is None:
        return functools.partial(cached_page, query=query, unused=unused)

    @conditional
    @functools.wraps(view)
    def serve(request, *args, **kwargs):
        if request.user.is_authenticated or not request._page_cacheable:
            return view(request, *args, **kwargs)
        key = f"page:{data_etag(request)[3:-1]}"
        page = rendered.get(key)
        if page is None:
            response = view(request, *args, **kwargs)
            if response.status_code not in (200, 410) or response.streaming or response.cookies:
                return response  # an invalid selection (400) is as many as clients care to send
            page = RenderedPage.of(response)
            rendered.set(key, page)
        gzip_accepted = bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
        return page.response(gzip_accepted=gzip_accepted, head=request.method == "HEAD")

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        read, selection, dates = selection_of(query, request.GET, unused=unused) if query else (QueryDict(), "", [])
        if read.urlencode() != request.GET.urlencode():  # an unknown parameter, an empty field, an old name
            if request.headers.get("HX-Request") != "true":
                return HttpResponseRedirect(f"{request.path}?{read.urlencode()}" if read else request.path)
            request.GET = QueryDict(read.urlencode())  # htmx: served as the selection it makes, and pushes its URL
            request.META["QUERY_STRING"] = read.urlencode()
        if selection is not None:
            request._page_variant = (request.path, selection, htmx_variant(request))
        request._page_cacheable = (
            selection is not None
            and _host_is_canonical(request)
            and (not dates or _dates_are_covered(data_version(request).number, dates))
        )
        return serve(request, *args, **kwargs)

    return wrapper


#: Headers a rendered page keeps (Content-Type aside): what htmx and browsers need to read it right.
KEPT_HEADERS = ("HX-Push-Url", "HX-Replace-Url", "Vary")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


@dataclass(frozen=True)
class RenderedPage:
    """A page as the cache keeps it: rendered once, compressed once, and kept compressed only
    (a fraction of the size; the rare client that does not accept gzip gets it decompressed)."""

    status: int
    content_type: str
    headers: tuple
    compressed: bytes

    @classmethod
    def of(cls, response):
        headers = tuple((name, response[name]) for name in KEPT_HEADERS if response.has_header(name))
        return cls(response.status_code, response["Content-Type"], headers, compress_string(response.content))

    def response(self, *, gzip_accepted, head=False):
        body = self.compressed if gzip_accepted else gzip.decompress(self.compressed)
        response = HttpResponse(b"" if head else body, status=self.status, content_type=self.content_type)
        response["Content-Length"] = str(len(body))  # a HEAD says what a GET would send
        for name, value in self.headers:
            response[name] = value
        if gzip_accepted:
            response["Content-Encoding"] = "gzip"  # readers' pages hold no secret: safe to compress (BREACH)
        patch_vary_headers(response, ("Accept-Encoding",))
        patch_cache_control(response, no_cache=True)  # browsers revalidate, and get a 304 if nothing changed
        return response


# The caches themselves ------------------------------------------------------------------------------


class FailSoftCache:
    """A cache that fails soft. Any error of the cache (a stopped Redis, a timeout, a full disk)
    makes a read a miss and a write a no-op, and the cache is then left alone for RETRY_SECONDS, so
    that requests do not each wait for it; then it is tried again, and used again once it answers.
    The failure is logged when it starts, then once every LOG_SECONDS while it lasts, and when the
    cache is back: not once per request."""

    RETRY_SECONDS = 5
    LOG_SECONDS = 60

    def __init__(self, alias):
        self.alias = alias
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        self.failing_since = None  # time.monotonic() of the first failure of the current outage
        self.retry_at = self.logged_at = 0.0
        self.failures = 0

    @property
    def failing(self):
        return self.failing_since is not None

    def _call(self, method, *args, default):
        if self.failing and time.monotonic() < self.retry_at:
            return default
        try:
            result = getattr(caches[self.alias], method)(*args)
        except Exception as error:  # whatever the cache raises, pages are served without it
            self._failed(error)
            return default
        if self.failing:
            self._recovered()
        return result

    def _failed(self, error):
        now = time.monotonic()
        with self._lock:
            self.failures += 1
            self.retry_at = now + self.RETRY_SECONDS
            if self.failing_since is None:
                self.failing_since = self.logged_at = now
                log.warning(
                    "The %r cache failed (%r): pages are rendered without it; trying it again every %s s.",
                    self.alias, error, self.RETRY_SECONDS,
                )  # fmt: skip
            elif now - self.logged_at >= self.LOG_SECONDS:
                self.logged_at = now
                log.warning(
                    "The %r cache is still failing (%r): %d failures in %d s.",
                    self.alias, error, self.failures, now - self.failing_since,
                )  # fmt: skip

    def _recovered(self):
        with self._lock:
            if self.failing_since is not None:
                log.warning("The %r cache is back after %d s.", self.alias, time.monotonic() - self.failing_since)
                self.reset()

    def get(self, key):
        return self._call("get", key, default=None)

    def set(self, key, value):
        self._call("set", key, value, default=None)

    def get_many(self, keys):
        return self._call("get_many", keys, default={})

    def set_many(self, mapping):
        self._call("set_many", mapping, default=None)

    def clear(self):
        self._call("clear", default=None)


#: Rendered pages and cards (settings.CACHES["rendered"]), through the fail-soft wrapper.
rendered = FailSoftCache("rendered")

_sizes = {}


class BoundedMemoryCache(LocMemCache):
    """The per-process cache, bounded by the bytes it holds (OPTIONS["MAX_BYTES"]) as well as by
    its entries (LocMemCache counts entries only, whatever they weigh): the least recently used
    entries make room for a new one."""

    def __init__(self, name, params):
        super().__init__(name, params)
        self._max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 64 * 2**20))
        self._size = _sizes.setdefault(name, [0])  # shared by the threads' instances, as the entries are

    @property
    def size(self):
        """Bytes held (the entries as pickled)."""
        return self._size[0]

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        self._delete(key)
        if len(value) > self._max_bytes:
            return
        while self._cache and (len(self._cache) >= self._max_entries or self._size[0] + len(value) > self._max_bytes):
            self._delete(next(reversed(self._cache)))  # the least recently used: reads move entries to the front
        self._cache[key] = value
        self._cache.move_to_end(key, last=False)
        self._expire_info[key] = self.get_backend_timeout(timeout)
        self._size[0] += len(value)

    def _delete(self, key):
        value = self._cache.get(key)
        if not super()._delete(key):
            return False
        self._size[0] -= len(value)
        return True

    def incr(self, key, delta=1, version=None):
        raise NotImplementedError("Rendered pages and cards are never counted.")

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._size[0] = 0


def event_cards(events, data_version, *, known_on=None, index_url="/", carried_over=frozenset()):
    """{event pk: card HTML} for ``events``. Rendering cards with the template engine was most
    of a page's time, so they are cached; only the missing ones are rendered, and only their
    events fetched with their relations. ``carried_over`` holds the pks of events shown under
    a later day than their first (a span, an uncertain date): their card says so."""
    from timeline.models import Event

    keep = not known_on or _dates_are_covered(data_version, [known_on])  # as pages: answered, not kept
    prefix = f"card:{build_id()}:{data_version}:{known_on or ''}:{index_url}"
    keys = {event.pk: f"{prefix}:{event.pk}:{int(event.pk in carried_over)}" for event in events}
    found = rendered.get_many(list(keys.values())) if keep else {}
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        cards = {}
        for event in Event.objects.filter(pk__in=missing).with_related(known_on):
            context = {"event": event, "index_url": index_url, "carried_over": event.pk in carried_over}
            cards[keys[event.pk]] = render_to_string("timeline/includes/event_card.html", context)
        if keep:
            rendered.set_many(cards)
        found |= cards
    return {pk: found[key] for pk, key in keys.items()}
