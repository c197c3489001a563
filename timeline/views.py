import csv
import datetime
import functools
import hashlib
import itertools

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max, Q, Sum
from django.http import FileResponse, Http404, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import condition, require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from timeline import exports
from timeline.cards import event_cards
from timeline.forms import TimelineFilterForm
from timeline.models import TIMELINE_START, Actor, Citation, Event, Figure, Place, Source
from timeline.passages import highlight, passages_of

EXPORT_NAME = "kazakhstan-2022"  # downloads are named kazakhstan-2022-events.csv and so on
PAGE_SIZE = 50  # events per response: the page stays fast however large the timeline grows
STRIP_BAR_HEIGHT = 40  # px, the tallest bar in the strip of days


def group_into_sections(events, previous_date=None):
    """Split a chunk of events into the context section and one section per day.
    A section that carries on from the previous chunk is marked ``continued``."""
    sections = []
    for is_context, group in itertools.groupby(events, key=lambda e: e.is_context):
        if is_context:
            sections.append({"date": None, "events": list(group)})
            continue
        for day, day_events in itertools.groupby(group, key=lambda e: e.date):
            sections.append({"date": day, "events": list(day_events)})
    if sections and previous_date:
        first = sections[0]
        previous_is_context = previous_date < TIMELINE_START
        first["continued"] = first["date"] == previous_date or (first["date"] is None and previous_is_context)
    return sections


def query_with(query, **changes):
    """``query`` (a QueryDict) re-encoded with ``changes``; None removes a key. Any
    change also drops the chunk number, so a new selection starts at its beginning."""
    query = query.copy()
    query.pop("page", None)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


def without_blanks(query):
    """``query`` without the empty fields a submitted form leaves (``?q=&start=``), for shareable URLs."""
    compact = QueryDict(mutable=True)
    for key, values in query.lists():
        if kept := [v for v in values if v.strip()]:
            compact.setlist(key, kept)
    return compact


def day_strip(form, query):
    """Every day from the first to the last of the current selection (its date range
    aside), each with its number of events: days without any are kept, so the strip
    reads as a calendar."""
    counts = dict(
        form.filter(Event.objects.published(), dates=False)
        .day_by_day()
        .values("date")
        .annotate(n=Count("pk"))
        .order_by("date")
        .values_list("date", "n")
    )
    if not counts:
        return []
    tallest = max(counts.values())
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    first, last = min(counts), max(counts)
    days = []
    for offset in range((last - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        count = counts.get(day, 0)
        height = round(STRIP_BAR_HEIGHT * count / tallest) if count else 0
        days.append(
            {
                "date": day,
                "count": count,
                "height": height,
                "bar_y": STRIP_BAR_HEIGHT - height,
                "query": query_with(query, start=day.isoformat(), end=day.isoformat()),
                "current": start == end == day,
            }
        )
    return days


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request", "HX-Boosted")
def index(request):
    """The timeline: the whole page, or with htmx only the results (a filter changed)
    or only the next chunk ("more"). A history restore or a boosted link gets the page."""
    query = without_blanks(request.GET)
    partial = bool(request.htmx) and not request.htmx.history_restore_request and not request.htmx.boosted
    url = f"{request.path}?{query.urlencode()}" if query else request.path
    if not request.htmx and query != request.GET:
        return redirect(url)  # a plain form submission: go to the compact URL, the one worth sharing
    form = TimelineFilterForm(query)
    context = {"form": form, "page_size": PAGE_SIZE}
    if not form.is_valid():
        return _render_timeline(request, context, partial=partial, url=url, status=400)

    selection = form.filter(Event.objects.published())
    page = form.cleaned_data["page"] or 1
    offset = (page - 1) * PAGE_SIZE
    chunk = list(selection[offset : offset + PAGE_SIZE + 1])
    if page > 1 and not chunk:
        raise Http404("There are no more events in this selection.")
    previous_date = selection.values_list("date", flat=True)[offset - 1] if offset else None
    chunk, more = chunk[:PAGE_SIZE], len(chunk) > PAGE_SIZE
    cards = event_cards(chunk, form.cleaned_data["reported_by"], request.path)
    for event in chunk:
        event.card = cards[event.pk]
    context |= {
        "sections": group_into_sections(chunk, previous_date),
        "next_query": query_with(query, page=str(page + 1)) if more else None,
        "page": page,
    }
    if partial and page > 1:
        return render(request, "timeline/index.html#chunk", context)
    context |= {
        "count": selection.count(),
        "chips": form.active_filters(),
        "days": day_strip(form, query),
        "first_query": query_with(query) if page > 1 else None,
        "first_number": offset + 1,
        "export_query": query_with(query),
    }
    return _render_timeline(request, context, partial=partial, url=url)


def _render_timeline(request, context, *, partial, url, status=200):
    if not partial:
        return render(request, "timeline/index.html", context, status=status)
    response = render(request, "timeline/index.html#fragment", context, status=status)
    return push_url(response, url)  # the compact URL, without the form's empty fields


@require_GET
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico; the icon is a hashed static SVG."""
    return redirect(static("favicon.svg"), permanent=True)


@require_GET
@never_cache
def healthz(request):
    """For load balancers: 200 when the app can reach its database, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_GET
def event_detail(request, slug):
    """An event's page. Staff who may view events also see drafts, as a preview."""
    preview = request.user.has_perm("timeline.view_event")
    events = Event.objects.all() if preview else Event.objects.published()
    event = get_object_or_404(events.with_related(), slug=slug)
    context = {
        "event": event,
        "jsonld": exports.event_jsonld(event),
        "permalink": settings.SITE_URL + event.get_absolute_url(),
    }
    response = render(request, "timeline/event_detail.html", context)
    if event.status != Event.Status.PUBLISHED:
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def source_list(request):
    published_citations = Q(citations__event__status=Event.Status.PUBLISHED)
    sources = Source.objects.annotate(
        citation_count=Count("citations", filter=published_citations),
        event_count=Count("citations__event", filter=published_citations, distinct=True),
    )
    return render(request, "timeline/source_list.html", {"sources": sources})


@require_GET
def source_detail(request, slug):
    source = get_object_or_404(Source, slug=slug)
    citations = source.citations.published().select_related("event")
    figures = source.figures.published().select_related("event")
    passages = passages_of(source, citations, figures)
    return render(
        request,
        "timeline/source_detail.html",
        {"source": source, "highlighted_text": highlight(source.text, passages), "passages": passages},
    )


@require_GET
def figure_list(request):
    """Each quantity with every source's version of it, side by side."""
    figures = Figure.objects.published().select_related("source", "event")
    by_measure = {}
    for figure in figures.order_by("reported_on", "source__published_on", "source__slug", "pk"):
        by_measure.setdefault(figure.measure, []).append(figure)
    measures = [
        {
            "label": measure.label,
            "slug": measure.value,
            "figures": by_measure[measure.value],
            "events": list(dict.fromkeys(f.event for f in by_measure[measure.value])),
            "disputed": len({(f.value, f.qualifier) for f in by_measure[measure.value]}) > 1,
        }
        for measure in Figure.Measure
        if measure.value in by_measure
    ]
    return render(request, "timeline/figure_list.html", {"measures": measures})


class Echo:
    """A file-like object whose write() returns what it is given, so csv.writer can stream."""

    def write(self, value):
        return value


def filtered_export(view):
    """An export of the events the query string selects, exactly as on the timeline page:
    ``view(request, events, reported_by)`` makes the response. A bad filter gets a 400
    saying what is wrong with it; a repeated download with an unchanged ETag, a 304."""

    @require_GET
    @condition(etag_func=data_etag)
    @functools.wraps(view)
    def wrapper(request):
        form = TimelineFilterForm(without_blanks(request.GET))
        if not form.is_valid():
            errors = {field: [str(e) for e in messages] for field, messages in form.errors.items()}
            return JsonResponse({"errors": errors}, status=400)
        return view(request, form.filter(Event.objects.published()), form.cleaned_data.get("reported_by"))

    return wrapper


def data_etag(request, *args, **kwargs):
    """Changes whenever the data or the selection does: counts, highest ids, the sum of
    event versions and the latest history entry of every curated model."""
    parts = [exports.SCHEMA_VERSION, request.get_full_path()]
    for model in (Source, Actor, Place, Event, Citation, Figure):
        parts += model.objects.aggregate(n=Count("pk"), last=Max("pk")).values()
        parts.append(model.history.aggregate(latest=Max("history_date"))["latest"])
    parts.append(Event.objects.aggregate(versions=Sum("version"))["versions"])
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _download(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # public data: TimelineJS and others may fetch it
    return response


def _csv_response(rows, filename):
    writer = csv.writer(Echo())
    stream = itertools.chain(["\ufeff"], (writer.writerow(row) for row in rows))  # the BOM: Excel reads UTF-8
    return _download(StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8"), filename)


@filtered_export
def export_timeline_json(request, events, reported_by):
    stream = exports.timeline_json(events, reported_by=reported_by)
    return _download(StreamingHttpResponse(stream, content_type="application/json"), f"{EXPORT_NAME}-timeline.json")


@filtered_export
def export_timelinejs(request, events, reported_by):
    document = exports.timelinejs_document(events, reported_by=reported_by)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    return _download(response, f"{EXPORT_NAME}-timelinejs.json")


@filtered_export
def export_events_csv(request, events, reported_by):
    return _csv_response(exports.event_rows(events, reported_by=reported_by), f"{EXPORT_NAME}-events.csv")


@filtered_export
def export_figures_csv(request, events, reported_by):
    return _csv_response(exports.figure_rows(events, reported_by=reported_by), f"{EXPORT_NAME}-figures.csv")


@require_GET
def export_schema(request):
    response = FileResponse(exports.SCHEMA_PATH.open("rb"), content_type="application/schema+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@condition(etag_func=data_etag)
def source_csl(request):
    items = [exports.csl_item(source) for source in Source.objects.order_by("published_on", "slug")]
    response = JsonResponse(items, safe=False, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Type"] = "application/vnd.citationstyles.csl+json"
    return _download(response, f"{EXPORT_NAME}-sources.csl.json")


def _entity_list(request, model, title):
    entities = model.objects.annotate(
        event_count=Count("events", filter=Q(events__status=Event.Status.PUBLISHED))
    ).order_by("kind", "name")
    return render(request, "timeline/entity_list.html", {"entities": entities, "title": title})


def _entity_detail(request, entity, events, query_name):
    """An actor's or a place's page: who or what it is, and the first events that involve it."""
    return render(
        request,
        "timeline/entity_detail.html",
        {
            "entity": entity,
            "events": events[:PAGE_SIZE],
            "event_count": events.count(),
            "timeline_query": query_with(QueryDict(), **{query_name: entity.slug}),
        },
    )


@require_GET
def actor_list(request):
    return _entity_list(request, Actor, "Actors")


@require_GET
def actor_detail(request, slug):
    actor = get_object_or_404(Actor, slug=slug)
    events = Event.objects.published().involving([actor])
    return _entity_detail(request, actor, events, "actor")


@require_GET
def place_list(request):
    return _entity_list(request, Place, "Places")


@require_GET
def place_detail(request, slug):
    place = get_object_or_404(Place, slug=slug)
    events = Event.objects.published().located_at([place])
    return _entity_detail(request, place, events, "place")
