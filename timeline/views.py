import csv
import functools
import itertools

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Min, Prefetch
from django.http import FileResponse, Http404, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, replace_url

from timeline import health, search
from timeline.caching import VARYING_HEADERS, cached_page, conditional, data_version, event_cards
from timeline.charts import StepChart
from timeline.days import day_strip, sections_of
from timeline.exports.annotations import annotations
from timeline.exports.citing import csl_item, event_jsonld
from timeline.exports.csv import difference_rows, event_rows, figure_rows
from timeline.exports.json import SCHEMA_PATH, timeline_json
from timeline.exports.timelinejs import timelinejs_document
from timeline.forms import RENAMED_PARAMETERS, DifferenceFilterForm, PageForm, TimelineFilterForm
from timeline.maps import selection_map
from timeline.models import (
    TIMELINE_START,
    Actor,
    Difference,
    Event,
    EventChange,
    Figure,
    Place,
    Position,
    Source,
)
from timeline.passages import excerpts_of, highlight, passages_of

EXPORT_NAME = "kazakhstan-2022"  # downloads are named kazakhstan-2022-events.csv and so on
PAGE_SIZE = 50  # events per chunk: the page stays fast however large the timeline grows
EMBED_SIZE = 50  # events an embedded timeline shows; a link leads to the rest on the full site
PAGES_AT_ONCE = 10  # a full page shows up to this many chunks, so "more", reload and Back keep the reader's place


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


def with_query(path, query_string):
    """``path``, with ``?query_string`` when there is one."""
    return f"{path}?{query_string}" if query_string else path


def canonical_query(query):
    """``query`` as it is worth sharing: without the empty fields a submitted form leaves
    (``?q=&start=``), and with renamed parameters under their current names."""
    compact = QueryDict(mutable=True)
    for key, values in query.lists():
        if kept := [v for v in values if v.strip()]:
            compact.setlist(RENAMED_PARAMETERS.get(key, key), kept)
    return compact


def base_url(request):
    """The address the site is served at, as the request reached it: permalinks and
    exports use it, so that they point where the reader found them."""
    return request.build_absolute_uri("/").rstrip("/")


@require_safe
@cached_page(query=TimelineFilterForm)
@vary_on_headers(*VARYING_HEADERS)
def index(request):
    """The timeline: the whole page, or with htmx only the results (a filter changed)
    or only the next chunk ("more"). A history restore or a boosted link gets the page."""
    query = canonical_query(request.GET)
    partial = bool(request.htmx) and not request.htmx.history_restore_request and not request.htmx.boosted
    url = with_query(request.path, query.urlencode())
    if not request.htmx and query != request.GET:
        return redirect(url)  # a plain form submission: go to the compact URL, the one worth sharing
    form = TimelineFilterForm(query)
    context = {"form": form, "page_size": PAGE_SIZE}
    if not form.is_valid():
        return _render_timeline(request, context, partial=partial, url=url, status=400)

    data = form.cleaned_data
    start, end = data["start"], data["end"]
    selection = form.filter(Event.objects.published())
    page = data["page"] or 1
    next_chunk_only = partial and page > 1
    first_page = page if next_chunk_only else max(1, page - PAGES_AT_ONCE + 1)
    offset, stop = (first_page - 1) * PAGE_SIZE, page * PAGE_SIZE
    events = list(selection[offset : stop + 1])
    if page > 1 and len(events) <= (page - first_page) * PAGE_SIZE:
        raise Http404("There are no more events in this selection.")
    more = len(events) > stop - offset
    events = events[: stop - offset]
    previous_day = selection.values_list("date", flat=True)[offset - 1] if offset else None
    if previous_day and start and previous_day < start:
        previous_day = start  # the previous chunk showed it under the range's first day
    coverage = Source.objects.public().coverage()
    sections = sections_of(events, coverage, data, previous_day=previous_day, last_chunk=not more)
    cards = event_cards(
        events,
        data_version(request).number,
        known_on=data["known_on"],
        index_url=request.path,
        carried_over={event.pk for event in events if getattr(event, "carried_over", False)},
    )
    for event in events:
        event.card = cards[event.pk]
    context |= {
        "sections": sections,
        "only_dates_chosen": form.only_dates_chosen,
        "next_query": query_with(query, page=str(page + 1)) if more else None,
        "next_count": selection[stop : stop + PAGE_SIZE].count() if more else 0,
        "page": page,
    }
    if next_chunk_only:
        response = render(request, "timeline/index.html#chunk", context)
        return replace_url(response, f"{request.path}?{query.urlencode()}")  # a reload or Back keeps these events
    count = selection.count()
    context |= {
        "count": count,
        "suggestion": _suggestion(request, data["q"], query) if data["q"] and not count else None,
        "carried_over_count": selection.carried_over().count() if start or end else 0,
        "chips": form.active_filters(),
        "date_warnings": _date_warnings(form, coverage),
        "strip": day_strip(
            form.filter(Event.objects.published(), dates=False),
            start=start,
            end=end,
            query_for_day=lambda day: query_with(query, start=day.isoformat(), end=day.isoformat()),
        ),
        "map": selection_map(selection, lambda place: query_with(query, place=place.slug)),
        "first_query": query_with(query) if first_page > 1 else None,
        "first_number": offset + 1,
        "export_query": query_with(query),
        "embed_snippet": embed_snippet(request, query_with(query)),
    }
    return _render_timeline(request, context, partial=partial, url=url)


def _suggestion(request, text, query):
    """For a search that found nothing: the nearest search the collection can answer, as
    (words, query string), or None."""
    words = search.suggestions(text, search.vocabulary(data_version(request).number))
    return (words, query_with(query, q=words)) if words else None


@require_safe
@cached_page(query=TimelineFilterForm, unused=("page",))
def map_page(request):
    """The large map, for the timeline's filters."""
    query = canonical_query(request.GET)
    form = TimelineFilterForm(query)
    context = {"form": form, "export_query": query_with(query)}
    if not form.is_valid():
        return render(request, "timeline/map.html", context, status=400)
    selection = form.filter(Event.objects.published())
    context |= {
        "chips": form.active_filters(),
        "count": selection.count(),
        "map": selection_map(selection, lambda place: query_with(query, place=place.slug)),
    }
    return render(request, "timeline/map.html", context)


@csp_override(settings.EMBEDDABLE_CSP)
@xframe_options_exempt
@require_safe
@cached_page(query=TimelineFilterForm, unused=("page",))
def embed(request):
    """The timeline for other sites' iframes: the same filters, read-only and compact, no site
    navigation; its links open the full site in a new tab, and it credits its sources."""
    query = canonical_query(request.GET)
    form = TimelineFilterForm(query)
    site = base_url(request)
    context = {"form": form, "site": site, "full_query": query_with(query)}
    if not form.is_valid():
        return render(request, "timeline/embed.html", context, status=400)
    data = form.cleaned_data
    selection = form.filter(Event.objects.published())
    events = list(selection.with_related(data["known_on"])[: EMBED_SIZE + 1])
    more, events = len(events) > EMBED_SIZE, events[:EMBED_SIZE]
    shown_sources = Source.objects.filter(citations__event__in=[event.pk for event in events]).distinct()
    context |= {
        "count": selection.count(),
        "more": more,
        "sections": sections_of(events, Source.objects.public().coverage(), data, last_chunk=not more),
        "only_dates_chosen": form.only_dates_chosen,
        "chips": form.active_filters(),
        "sources": shown_sources.order_by("published_on", "outlet", "origin").defer("text"),
    }
    return render(request, "timeline/embed.html", context)


def embed_snippet(request, query):
    """The HTML a newsroom pastes into its page to show this selection: an iframe of /embed/."""
    src = base_url(request) + with_query(reverse("timeline:embed"), query)
    return (
        f'<iframe src="{escape(src)}" title="Timeline of the January 2022 unrest in Kazakhstan, with its sources"'
        ' width="100%" height="600" loading="lazy"></iframe>'
    )


def _date_warnings(form, coverage):
    """Messages beside dates that were read as days the collection does not cover."""
    if not form.understood_dates() or not coverage.last:
        return {}
    first = Event.objects.published().aggregate(first=Min("date"))["first"] or TIMELINE_START
    return form.date_warnings(first, coverage.last)


def _render_timeline(request, context, *, partial, url, status=200):
    if not partial:
        return render(request, "timeline/index.html", context, status=status)
    response = render(request, "timeline/index.html#fragment", context, status=status)
    # The compact URL, without the form's empty fields. Typing in the search box replaces
    # the current history entry; any other change (a box ticked, the form submitted) adds one.
    typing = request.htmx.source == "input#id_q"
    return (replace_url if typing else push_url)(response, url)


def timeline_url_of(event):
    """Where ``event`` is on the unfiltered timeline: the page that shows its chunk, at its card."""
    if event.is_context:
        return f"{reverse('timeline:index')}#{event.slug}"
    page = Event.objects.published().before(event).count() // PAGE_SIZE + 1
    query = f"?page={page}" if page > 1 else ""
    return f"{reverse('timeline:index')}{query}#{event.slug}"


@require_safe
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico; the icon is a hashed static SVG."""
    return redirect(static("favicon.svg"))  # not permanent: the hashed file name changes with the icon


@require_safe
@never_cache
def healthz(request):
    """For load balancers: each check of what pages need, as JSON; 200 while pages can be served
    (without the cache too: "degraded"), 503 when they cannot ("down")."""
    report, status = health.health()
    return JsonResponse(report, status=status)


@require_safe
@cached_page
def event_detail(request, slug):
    """An event's page. Staff who may view events also see drafts, as a preview."""
    preview = request.user.has_perm("timeline.view_event")
    events = Event.objects.all() if preview else Event.objects.published()
    event = events.with_related().filter(slug=slug).first()
    if event is None:
        return _event_gone(request, slug)
    context = {
        "event": event,
        "changes": event.changes.order_by("made_at", "pk"),
        "differences": event.differences.published(),
        "jsonld": event_jsonld(event, base_url(request)),
        "permalink": base_url(request) + event.get_absolute_url(),
        "timeline_url": timeline_url_of(event),
    }
    response = render(request, "timeline/event_detail.html", context)
    if not event.is_published:
        patch_cache_control(response, private=True, no_store=True)
    return response


def _event_gone(request, slug):
    """An event taken down answers 410 Gone, with the reason and the day; any other unknown
    address, 404."""
    taken_down = (
        EventChange.objects.filter(event__slug=slug, kind=EventChange.Kind.UNPUBLISHED)
        .exclude(event__status=Event.Status.PUBLISHED)
        .select_related("event")
        .first()
    )
    if taken_down is None:
        raise Http404("No published event has this address.")
    return render(request, "timeline/event_gone.html", {"change": taken_down}, status=410)


CHANGES_PER_PAGE = 50


@require_safe
@cached_page(query=PageForm)
def change_list(request):
    """Every public change to the timeline, newest first."""
    page = Paginator(EventChange.objects.newest_first(), CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "timeline/change_list.html", {"page": page})


def _public_or_preview(request, model, slug):
    """The source, actor or place at ``slug`` when readers may see it (``public()``: a published
    event cites or involves it); staff who may view it also see it before, as a preview marked
    ``preview``. Anyone else gets 404, as for an unknown address."""
    found = model.objects.public().filter(slug=slug).first()
    if found is None and request.user.has_perm(f"timeline.view_{model._meta.model_name}"):
        found = model.objects.filter(slug=slug).first()
        if found is not None:
            found.preview = True
    if found is None:
        raise Http404(f"No {model._meta.verbose_name} readers can see has this address.")
    return found


def _preview_marked(response, shown):
    """An editor's preview of what readers cannot see yet is kept out of every cache."""
    if getattr(shown, "preview", False):
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
@cached_page
def source_list(request):
    published_citations = Event.published_q("citations__event__")
    counts = {
        "citation_count": Count("citations", filter=published_citations),
        "event_count": Count("citations__event", filter=published_citations, distinct=True),
    }
    # Meta.ordering does not apply to aggregated queries
    sources = Source.objects.public().annotate(**counts).order_by("published_on", "slug")
    return render(request, "timeline/source_list.html", {"sources": sources})


@require_safe
@cached_page
def source_detail(request, slug):
    source = _public_or_preview(request, Source, slug)
    citations = source.citations.published().select_related("event")
    figures = source.figures.published().select_related("event")
    positions = source.positions.published().select_related("difference")
    passages = passages_of(source, citations, figures, positions)
    context = {"source": source, "passages": passages}
    if settings.PUBLIC_SOURCE_TEXT or request.user.has_perm("timeline.view_source"):
        context["highlighted_text"] = highlight(source.text, passages)
    else:  # no permission to republish whole articles: each passage in its sentence
        context["excerpts"] = excerpts_of(source.text, passages)
    return _preview_marked(render(request, "timeline/source_detail.html", context), source)


@require_safe
@cached_page
def figure_list(request):
    """Each quantity with every source's version of it, side by side: one table per measure
    and scope, since only numbers that count the same thing over the same ground compare."""
    figures = (
        Figure.objects.published()
        .select_related("source", "event", "claimant")
        .prefetch_related(Prefetch("differences", queryset=Difference.objects.published()))
    )
    groups = {}
    for figure in figures.order_by("reported_on", "source__published_on", "source__edition", "source__slug", "pk"):
        groups.setdefault((figure.measure, figure.scope), []).append(figure)
    order = {measure: number for number, measure in enumerate(Figure.Measure.values)}
    measures = [
        {
            "label": Figure.Measure(measure).label,
            "scope": scope,
            "slug": slugify(f"{measure} {scope}"),
            "figures": figures,
            "events": list(dict.fromkeys(f.event for f in figures)),
            "disputed": len({(f.value, f.qualifier) for f in figures}) > 1,
            "chart": StepChart.of(figures),
            "differences": list(dict.fromkeys(d for f in figures for d in f.differences.all())),
        }
        for (measure, scope), figures in sorted(groups.items(), key=lambda item: (order[item[0][0]], item[0][1]))
    ]
    return render(request, "timeline/figure_list.html", {"measures": measures})


@require_safe
@cached_page(query=DifferenceFilterForm)
def difference_list(request):
    """Every difference between the sources, grouped by kind, each with its positions side by side."""
    form = DifferenceFilterForm(canonical_query(request.GET))
    if not form.is_valid():
        return render(request, "timeline/difference_list.html", {"form": form, "groups": []}, status=400)
    differences = form.filter(Difference.objects.published()).with_related()
    by_kind = {}
    for difference in differences:
        by_kind.setdefault(difference.kind, []).append(difference)
    groups = [(kind, by_kind[kind.value]) for kind in Difference.Kind if kind.value in by_kind]
    context = {"form": form, "groups": groups, "count": sum(len(group) for _, group in groups)}
    return render(request, "timeline/difference_list.html", context)


@require_safe
@cached_page
def difference_detail(request, slug):
    difference = get_object_or_404(Difference.objects.published().with_related(), slug=slug)
    figures = list(difference.figures.all())  # those of published events (with_related)
    context = {"difference": difference, "figures": figures, "chart": StepChart.of(figures)}
    return render(request, "timeline/difference_detail.html", context)


@require_safe
@cached_page
def words_used(request):
    """How each source names the protesters, the foreign troops, the violence and the city:
    a row per subject, a column per source, each cell the source's own words."""
    sources = list(Source.objects.public().defer("text"))
    positions = (
        Position.objects.published()
        .exclude(difference__subject="")
        .select_related("source", "difference")
        .order_by("difference__subject", "source__published_on", "source__edition", "order", "pk")
    )
    cells = {}
    for position in positions:
        cell = cells.setdefault((position.difference.subject, position.source_id), {})
        cell.setdefault(
            (position.quote, position.reading), position
        )  # one passage once, however many differences cite it
    cells = {key: list(cell.values()) for key, cell in cells.items()}
    rows = [
        (subject, [cells.get((subject.value, source.pk), []) for source in sources])
        for subject in Difference.Subject
        if any((subject.value, source.pk) in cells for source in sources)
    ]
    return render(request, "timeline/words_used.html", {"sources": sources, "rows": rows})


class Echo:
    """A file-like object whose write() returns what it is given, so csv.writer can stream."""

    def write(self, value):
        return value


def filtered_export(view):
    """An export of the events the query string selects, exactly as on the timeline page:
    ``view(request, events, form)`` makes the response (the form is valid: its cleaned_data
    has "known_on", and active_filters() says what was chosen). A bad filter gets a 400
    saying what is wrong with it; a repeated download of unchanged data, a 304."""

    @require_safe
    @conditional
    @functools.wraps(view)
    def wrapper(request):
        form = TimelineFilterForm(canonical_query(request.GET))
        if not form.is_valid():
            errors = {field: [str(e) for e in messages] for field, messages in form.errors.items()}
            return JsonResponse({"errors": errors}, status=400)
        return view(request, form.filter(Event.objects.published()), form)

    return wrapper


def _download(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # public data: TimelineJS and others may fetch it
    return response


STREAM_PIECE = 64 * 1024  # bytes: the server writes a streamed export in pieces of about this size


def _streamed(texts, content_type, filename):
    """A download streamed from ``texts``, gathered into pieces of STREAM_PIECE: written one
    event at a time, a large export spent more time in the server's writes than in its making."""

    def pieces():
        piece, size = [], 0
        for text in texts:
            piece.append(text)
            size += len(text)
            if size >= STREAM_PIECE:
                yield "".join(piece).encode()
                piece, size = [], 0
        yield "".join(piece).encode()

    return _download(StreamingHttpResponse(pieces(), content_type=content_type), filename)


def _csv_response(rows, filename):
    writer = csv.writer(Echo())
    texts = itertools.chain(["\ufeff"], (writer.writerow(row) for row in rows))  # the BOM: Excel reads UTF-8
    return _streamed(texts, "text/csv; charset=utf-8", filename)


@filtered_export
def export_timeline_json(request, events, form):
    texts = timeline_json(events, known_on=form.cleaned_data["known_on"], site_url=base_url(request))
    return _streamed(texts, "application/json", f"{EXPORT_NAME}-timeline.json")


@filtered_export
def export_timelinejs(request, events, form):
    context = request.GET.get("context", "0")
    if context not in ("0", "1"):
        message = "context is 1 (the events before 2 January as slides) or 0 (left out: the default)."
        return JsonResponse({"errors": {"context": [message]}}, status=400)
    document = timelinejs_document(
        events,
        known_on=form.cleaned_data["known_on"],
        site_url=base_url(request),
        selection=[label for label, _ in form.active_filters()],
        context=context == "1",
        timeline_url=base_url(request) + with_query(reverse("timeline:index"), query_with(form.data, context=None)),
    )
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    return _download(response, f"{EXPORT_NAME}-timelinejs.json")


@filtered_export
def export_annotations(request, events, form):
    texts = annotations(
        events,
        known_on=form.cleaned_data["known_on"],
        site_url=base_url(request),
        collection_url=request.build_absolute_uri(),
    )
    return _streamed(
        texts, 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"', f"{EXPORT_NAME}-annotations.jsonld"
    )


@filtered_export
def export_events_csv(request, events, form):
    rows = event_rows(events, known_on=form.cleaned_data["known_on"], site_url=base_url(request))
    return _csv_response(rows, f"{EXPORT_NAME}-events.csv")


@filtered_export
def export_differences_csv(request, events, form):
    rows = difference_rows(events, known_on=form.cleaned_data["known_on"], site_url=base_url(request))
    return _csv_response(rows, f"{EXPORT_NAME}-differences.csv")


@filtered_export
def export_figures_csv(request, events, form):
    rows = figure_rows(events, known_on=form.cleaned_data["known_on"])
    return _csv_response(rows, f"{EXPORT_NAME}-figures.csv")


@require_safe
def export_schema(request):
    response = FileResponse(SCHEMA_PATH.open("rb"), content_type="application/schema+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@conditional
def source_csl(request):
    sources = Source.objects.public().order_by("published_on", "slug")
    items = [csl_item(source, base_url(request)) for source in sources]
    response = JsonResponse(items, safe=False, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Type"] = "application/vnd.citationstyles.csl+json"
    return _download(response, f"{EXPORT_NAME}-sources.csl.json")


def _entity_list(request, model, title):
    event_count = Count("events", filter=Event.published_q("events__"))
    entities = model.objects.public().annotate(event_count=event_count).order_by("kind", "name")
    return render(request, "timeline/entity_list.html", {"entities": entities, "title": title})


def _entity_detail(request, entity, events, query_name, figures=()):
    """An actor's or a place's page: who or what it is, the first events that involve it, and
    the numbers an actor gave."""
    context = {
        "entity": entity,
        "events": events[:PAGE_SIZE],
        "event_count": events.count(),
        "timeline_query": query_with(QueryDict(), **{query_name: entity.slug}),
        "figures": figures,
    }
    return _preview_marked(render(request, "timeline/entity_detail.html", context), entity)


@require_safe
@cached_page
def actor_list(request):
    return _entity_list(request, Actor, "Actors")


@require_safe
@cached_page
def actor_detail(request, slug):
    actor = _public_or_preview(request, Actor, slug)
    events = Event.objects.published().involving([actor])
    figures = Figure.objects.published().filter(claimant=actor).select_related("source", "claimant")
    return _entity_detail(request, actor, events, "actor", list(figures))


@require_safe
@cached_page
def place_list(request):
    return _entity_list(request, Place, "Places")


@require_safe
@cached_page
def place_detail(request, slug):
    place = _public_or_preview(request, Place, slug)
    events = Event.objects.published().located_at([place])
    return _entity_detail(request, place, events, "place")
