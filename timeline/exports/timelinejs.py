"""The TimelineJS 3 export: a timeline ready to publish, one slide per event."""

from django.utils.html import escape, format_html, format_html_join

from timeline.exports.rows import WITHHELD_SUMMARY, event_records, site_address, summary_as_known
from timeline.models import TIMELINE_START, Event, Source


def _timelinejs_date(day, precision, time=None):
    """A TimelineJS date object: only the parts that are known."""
    parts = {"year": day.year}
    if precision != Event.Precision.YEAR:
        parts["month"] = day.month
    if precision in (Event.Precision.DAY, Event.Precision.BETWEEN):
        parts["day"] = day.day
    if time and precision == Event.Precision.DAY:
        parts |= {"hour": time.hour, "minute": time.minute}
    return parts


def timelinejs_slide(event, site_url):
    """One event as a TimelineJS slide: its title, its summary as known, how its date was
    established, and the passages it cites, each credited to its source and linked to it."""
    citations = format_html_join(
        "",
        '<li>“{}” <a href="{}">{}, {}</a></li>',
        (
            (
                c.quote,
                site_url + c.get_absolute_url(),
                c.source.label,
                _long_date(c.source.published_on),
            )
            for c in event.citations
        ),
    )
    slide = {
        "unique_id": event.slug,
        "start_date": _timelinejs_date(event.date, event.date_precision, event.time),
        "text": {
            "headline": escape(event.title),  # TimelineJS treats it as HTML
            "text": format_html(
                '<p>{}</p>{}<p><strong>Sources</strong></p><ol class="sources">{}</ol><p><a href="{}">{}</a></p>',
                summary_as_known(event) or WITHHELD_SUMMARY,
                format_html("<p><em>{}:</em> {}</p>", event.date_basis_label, event.date_basis_note)
                if event.date_basis_label
                else "",
                citations,
                site_url + event.path,
                "This event on the cited timeline",
            ),
        },
        "group": event.category_label,
    }
    if event.end_date and event.end_date != event.date:
        slide["end_date"] = _timelinejs_date(event.end_date, event.date_precision)
    if event.date_precision != Event.Precision.DAY:
        slide["display_date"] = event.date_display
    return slide


def _long_date(day):
    return f"{day.day} {day:%B %Y}"


def timelinejs_document(events=None, *, known_on=None, site_url=None, selection=(), context=False, timeline_url=None):
    """A TimelineJS 3 timeline, ready to publish: a title slide that says what it holds and
    where from, then one slide per event. The events before 2 January (context from 1989 on)
    are left out unless ``context``: they would stretch the axis over three decades and squeeze
    the fortnight of the unrest into a sliver. ``selection`` labels the filters chosen, and
    ``timeline_url`` is the same selection on the site (the whole timeline by default)."""
    if events is None:
        events = Event.objects.published()
    site_url = site_address(site_url)
    left_out = 0
    if not context:
        left_out = events.filter(date__lt=TIMELINE_START).count()
        events = events.filter(date__gte=TIMELINE_START)
    coverage = Source.objects.coverage()
    notes = []
    if selection:
        notes.append(format_html("<p>This selection: {}.</p>", "; ".join(selection)))
    if left_out:
        notes.append(
            format_html(
                "<p>{} event{} of the background before 2 January {} left out (context=1 in this file's address"
                " includes them).</p>",
                left_out,
                "" if left_out == 1 else "s",
                "is" if left_out == 1 else "are",
            )
        )
    return {
        "title": {
            "text": {
                "headline": "The January 2022 unrest in Kazakhstan, day by day",
                "text": format_html(
                    "<p>As {} reported it: every slide quotes its sources and links to their exact words.</p>{}"
                    '<p><a href="{}">The full cited timeline</a></p>',
                    coverage,
                    format_html_join("", "{}", ((note,) for note in notes)),
                    timeline_url or site_url + "/",
                ),
            }
        },
        "events": [timelinejs_slide(event, site_url) for event in event_records(events, known_on)],
    }
