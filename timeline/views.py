import itertools

from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from timeline import exports
from timeline.models import Event, Figure, Source
from timeline.passages import highlight, passages_of


def group_by_day(events):
    """[(date, [events of that day]), ...] in timeline order."""
    return [(day, list(group)) for day, group in itertools.groupby(events, key=lambda e: e.date)]


@require_GET
def index(request):
    events = Event.objects.published().with_related()
    return render(
        request,
        "timeline/index.html",
        {
            "context_events": events.context(),
            "days": group_by_day(events.day_by_day()),
        },
    )


@require_GET
def event_detail(request, slug):
    event = get_object_or_404(Event.objects.published().with_related(), slug=slug)
    return render(request, "timeline/event_detail.html", {"event": event})


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
    citations = source.citations.filter(event__status=Event.Status.PUBLISHED).select_related("event")
    figures = source.figures.filter(event__status=Event.Status.PUBLISHED).select_related("event")
    passages = passages_of(source, citations, figures)
    return render(
        request,
        "timeline/source_detail.html",
        {"source": source, "highlighted_text": highlight(source.text, passages), "passages": passages},
    )


@require_GET
def figure_list(request):
    """Each quantity with every source's version of it, side by side."""
    figures = Figure.objects.filter(event__status=Event.Status.PUBLISHED).select_related("source", "event")
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


@require_GET
def export_timeline_json(request):
    return JsonResponse(
        exports.timeline_document(),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
        headers={"Content-Disposition": 'inline; filename="timeline.json"'},
    )
