"""Everything derived from the data is keyed by one durable data version.

``models.DataVersion`` is a row that every change to the curated data moves on, in the
same transaction. Rendered pages, rendered event cards, and the ETag and Last-Modified of
pages and exports are all keyed by it, so none of them can outlive a change, whichever
cache holds them (per process by default, Redis when several machines serve the site) and
whether or not a cache entry expires: a stale entry is simply never asked for again."""

import functools
import hashlib
import re
from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import compress_string
from django.views.decorators.http import condition

from timeline.models import DataVersion

#: Request headers that change what a page renders: htmx asks for fragments with them.
VARYING_HEADERS = ("HX-Request", "HX-History-Restore-Request", "HX-Boosted", "HX-Source")


def data_version(request):
    """The current data version, read once per request."""
    if not hasattr(request, "_data_version"):
        request._data_version = DataVersion.current()
    return request._data_version


def data_etag(request, *args, **kwargs):
    """Changes whenever the data, the address, the selection or the variant asked for does.
    Weak: the same page is sent compressed or not."""
    if hasattr(request, "_data_etag"):
        return request._data_etag
    parts = [
        data_version(request).number,
        request.get_host(),
        request.is_secure(),
        request.get_full_path(),
        request.user.is_authenticated,
        *(request.headers.get(name, "") for name in VARYING_HEADERS),
    ]
    request._data_etag = f'W/"{hashlib.sha256(repr(parts).encode()).hexdigest()[:32]}"'
    return request._data_etag


def data_last_modified(request, *args, **kwargs):
    return data_version(request).changed_at


def conditional(view):
    """Answer a repeated request for unchanged data with 304 Not Modified, before any work."""
    return condition(etag_func=data_etag, last_modified_func=data_last_modified)(view)


def cached_page(view):
    """Serve a reader's page from the rendered-page cache, keyed by everything that can change
    it (data_etag); render it once per data version otherwise. Signed-in editors, who may see
    drafts, always get a fresh page. A reload of an unchanged page is answered 304."""

    @conditional
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        store = caches["rendered"]
        key = f"page:{data_etag(request)}"
        page = store.get(key)
        if page is None:
            response = view(request, *args, **kwargs)
            if response.status_code not in (200, 400, 404) or response.streaming or response.cookies:
                return response
            page = RenderedPage.of(response)
            store.set(key, page)
        return page.response(gzip_accepted=bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))))

    return wrapper


#: Headers a rendered page keeps (Content-Type aside): what htmx and browsers need to read it right.
KEPT_HEADERS = ("HX-Push-Url", "HX-Replace-Url", "Vary")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


@dataclass(frozen=True)
class RenderedPage:
    """A page as the cache keeps it: rendered once, and compressed once."""

    status: int
    content_type: str
    headers: tuple
    content: bytes
    compressed: bytes

    @classmethod
    def of(cls, response):
        headers = tuple((name, response[name]) for name in KEPT_HEADERS if response.has_header(name))
        content = response.content
        return cls(response.status_code, response["Content-Type"], headers, content, compress_string(content))

    def response(self, *, gzip_accepted):
        response = HttpResponse(
            self.compressed if gzip_accepted else self.content, status=self.status, content_type=self.content_type
        )
        for name, value in self.headers:
            response[name] = value
        if gzip_accepted:
            response["Content-Encoding"] = "gzip"  # readers' pages hold no secret: safe to compress (BREACH)
        patch_vary_headers(response, ("Accept-Encoding",))
        patch_cache_control(response, no_cache=True)  # browsers revalidate, and get a 304 if nothing changed
        return response


def event_cards(events, data_version, *, known_on=None, index_url="/", carried_over=frozenset()):
    """{event pk: card HTML} for ``events``. Rendering cards with the template engine was most
    of a page's time, so they are cached; only the missing ones are rendered, and only their
    events fetched with their relations. ``carried_over`` holds the pks of events shown under
    a later day than their first (a span, an uncertain date): their card says so."""
    from timeline.models import Event

    store = caches["rendered"]
    prefix = f"card:{data_version}:{known_on or ''}:{index_url}"
    keys = {event.pk: f"{prefix}:{event.pk}:{int(event.pk in carried_over)}" for event in events}
    found = store.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        rendered = {}
        for event in Event.objects.filter(pk__in=missing).with_related(known_on):
            context = {"event": event, "index_url": index_url, "carried_over": event.pk in carried_over}
            rendered[keys[event.pk]] = render_to_string("timeline/includes/event_card.html", context)
        store.set_many(rendered)
        found |= rendered
    return {pk: found[key] for pk, key in keys.items()}
