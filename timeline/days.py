"""The timeline's days: the sections a chunk of events is shown in, and the strip of days.

A day's section holds the events that happened on it and, when a date range is chosen,
the events that may have happened on its first day or were still going on (an uncertain
date, a span): a reader who picks 6 January sees 6 January, never a heading of another
day. Days without any event get a section of their own that says so, so that an empty
day never looks like a quiet one."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count

from timeline.models import MAX_SPAN, TIMELINE_START, Event, span_in_words

ONE_DAY = datetime.timedelta(days=1)
STRIP_BAR_HEIGHT = 40  # px, the tallest bar in the strip of days
STRIP_MIN_BAR = 3  # px, so that one event among fifty still shows, and shows its kind


@dataclass
class Section:
    """A heading and its events. ``day`` is None for the context before 2 January. A
    section without events stands for the days from ``day`` to ``last_day`` that no
    event (or no event matching the filters) is dated to; ``uncovered`` when they come
    after the latest article of the collection."""

    day: datetime.date | None
    events: list = field(default_factory=list)
    continued: bool = False
    last_day: datetime.date | None = None
    uncovered: bool = False

    @property
    def anchor(self):
        if self.day is None:
            return "context-continued" if self.continued else "context"
        return f"day-{self.day.isoformat()}" + ("-continued" if self.continued else "")

    @property
    def is_gap(self):
        return not self.events


def _day_after(day):
    """The next day, or None after the last day a date can hold: no arithmetic here overflows."""
    return day + ONE_DAY if day < datetime.date.max else None


def _day_before(day):
    return day - ONE_DAY if day > datetime.date.min else None


def _days(first, last):
    """Every day from ``first`` to ``last``, ``datetime.date.max`` included."""
    return (datetime.date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1))


def _gaps(first, last, latest_article):
    """Sections for the days from ``first`` to ``last`` without events: one for the days
    the articles could have reported, one for the days after the latest of them."""
    first = max(first, TIMELINE_START)
    sections = []
    if first <= min(last, latest_article):
        sections.append(Section(first, last_day=min(last, latest_article)))
    if last > latest_article:
        sections.append(Section(max(first, latest_article + ONE_DAY), last_day=last, uncovered=True))
    return sections


def sections_of(events, coverage, chosen, *, previous_day=None, last_chunk=True):
    """Group one chunk of ``events`` (in timeline order) into sections. ``coverage`` is what the
    collection covers (Source.objects.coverage()); ``chosen`` the filters' cleaned data.

    Its ``start`` and ``end`` are the chosen date range; an event that began before ``start``
    is shown under ``start`` (its ``carried_over`` attribute is set). ``previous_day`` is
    the day of the last event of the previous chunk, if any; the first section carries on
    from it when it is the same day. Gaps between days become sections of their own, as do
    the chosen range's empty days before the first event (first chunk) and after the last
    (``last_chunk``)."""
    start, end = chosen.get("start"), chosen.get("end")
    latest_article = coverage.last or TIMELINE_START
    sections = []
    last_day = previous_day
    if previous_day is None and start:
        last_day = _day_before(start)  # the range's leading empty days are gaps too
    for event in events:
        if event.is_context:
            if sections and sections[-1].day is None:
                sections[-1].events.append(event)
            else:
                continued = previous_day is not None and previous_day < TIMELINE_START and not sections
                sections.append(Section(None, [event], continued=continued))
            continue
        day = max(event.date, start) if start else event.date
        event.carried_over = day != event.date
        if sections and sections[-1].day == day and sections[-1].events:
            sections[-1].events.append(event)
            continue
        if last_day is not None and last_day >= TIMELINE_START - ONE_DAY and (day - last_day).days > 1:
            sections += _gaps(last_day + ONE_DAY, day - ONE_DAY, latest_article)
        sections.append(Section(day, [event], continued=not sections and day == previous_day))
        last_day = day
    if last_chunk and end and end >= TIMELINE_START:
        after = _day_after(last_day) if last_day and last_day >= TIMELINE_START else max(start or end, TIMELINE_START)
        if after and after <= end:
            sections += _gaps(after, end, latest_article)
    return sections


@dataclass
class StripDay:
    date: datetime.date
    exact: int  # events dated to this day
    uncertain: int  # events that may have happened on it ("between 5 and 6 January")
    ongoing: int  # events that span it (a state of emergency from 5 to 19 January)
    selected: bool
    query: str
    bar_exact: int = 0  # px
    bar_uncertain: int = 0  # px, stacked on the exact bar
    bar_ongoing: int = 0  # px, stacked on the uncertain bar
    spans: list = field(default_factory=list)  # (Span, starts here, ends here) for each span drawn over the day

    @property
    def count(self):
        return self.exact + self.uncertain + self.ongoing

    @property
    def bar_exact_y(self):
        return STRIP_BAR_HEIGHT - self.bar_exact

    @property
    def bar_uncertain_y(self):
        return self.bar_exact_y - self.bar_uncertain

    @property
    def bar_ongoing_y(self):
        return self.bar_uncertain_y - self.bar_ongoing


@dataclass
class Span:
    """Events that last over several days (a state of emergency from 5 to 19 January), drawn as a
    bar across the strip's days: one Span per first and last day."""

    first: datetime.date
    last: datetime.date
    count: int
    title: str = ""  # the event's, when there is one
    row: int = 0  # which band of the strip it is drawn in

    @property
    def label(self):
        return f"{self.title or f'{self.count} events'}: {span_in_words(self.first, self.last)}"


@dataclass
class Strip:
    days: list
    spans: list  # drawn, at most SPAN_ROWS
    more_spans: int  # not drawn: said in words

    def __bool__(self):
        return bool(self.days)

    @property
    def months(self):
        """ "January 2022", or "December 2021 to January 2022": the days are labelled by number alone."""
        first, last = self.days[0].date, self.days[-1].date
        if (first.year, first.month) == (last.year, last.month):
            return f"{first:%B %Y}"
        return f"{first:%B %Y} to {last:%B %Y}"


SPAN_ROWS = 3
#: The most days the strip draws, from its first: as long as an event may last (Event.clean). Whatever
#: the data holds (an end date typed as 2222), the page stays light; the spans' labels give their dates.
STRIP_MAX_DAYS = MAX_SPAN.days + 1


def day_strip(events, *, start=None, end=None, query_for_day):
    """One entry per day from the first to the last day that any of ``events`` covers,
    days without events kept, so the strip reads as a calendar. Each day counts every
    event its link selects: those dated to it, those that may fall on it, those still
    going on; events that span several days are also drawn as bars across them.
    ``query_for_day(day)`` gives the query string that selects the day."""
    rows = events.day_by_day().values_list("date", "end_date", "date_precision").annotate(n=Count("pk")).order_by()
    rows = list(rows)
    if not rows:
        return Strip([], [], 0)
    strip_end = min(first for first, *_ in rows).toordinal() + STRIP_MAX_DAYS - 1
    strip_end = datetime.date.fromordinal(min(strip_end, datetime.date.max.toordinal()))  # never overflows
    counts = {kind: Counter() for kind in ("exact", "uncertain", "ongoing")}
    spans = []
    for first, last, precision, n in rows:
        if first > strip_end:
            continue
        if not last or last <= first:
            counts["exact"][first] += n
            continue
        kind = "uncertain" if precision == Event.Precision.BETWEEN else "ongoing"
        if kind == "ongoing":
            spans.append(Span(first, last, n))
        for day in _days(first, min(last, strip_end)):
            counts[kind][day] += n
    days = set().union(*counts.values())
    strip = []
    for day in _days(min(days), max(days)):
        selected = bool(start or end) and (start or day) <= day <= (end or day)
        strip.append(StripDay(day, *(counts[kind][day] for kind in counts), selected, query_for_day(day)))
    tallest = max(d.count for d in strip)
    for d in strip:
        d.bar_exact, d.bar_uncertain, d.bar_ongoing = (
            max(STRIP_MIN_BAR, round(STRIP_BAR_HEIGHT * n / tallest)) if n else 0
            for n in (d.exact, d.uncertain, d.ongoing)
        )
    spans.sort(key=lambda span: (span.first, -(span.last - span.first).days))
    drawn = spans[:SPAN_ROWS]
    _name_single_spans(events, drawn)
    for row, span in enumerate(drawn):
        span.row = row
        for d in strip:
            if span.first <= d.date <= span.last:
                d.spans.append((span, d.date == span.first, d.date == span.last))
    return Strip(strip, drawn, len(spans) - len(drawn))


def _name_single_spans(events, spans):
    """A span of one event is labelled with the event's title."""
    single = [span for span in spans if span.count == 1]
    if not single:
        return
    lasting = events.filter(end_date__gt=models.F("date")).exclude(date_precision=Event.Precision.BETWEEN)
    titles = {
        (e.date, e.end_date): e.title
        for e in lasting.filter(date__in=[s.first for s in single]).only("date", "end_date", "title")
    }
    for span in single:
        span.title = titles.get((span.first, span.last), "")
