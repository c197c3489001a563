"""The timeline's filters: one form, bound to the query string, that the page,
its htmx fragment and every export use to select events."""

import datetime
import re

from dateutil import parser as dateutil_parser
from django import forms
from django.http import QueryDict

from timeline.models import Actor, Difference, Event, Place, Source

DEFAULT_YEAR = 2022
DATE_FIELDS = ("start", "end", "known_on")
#: Old names of query parameters, still understood: shared links must keep working.
RENAMED_PARAMETERS = {"reported_by": "known_on"}
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


class LooseDateField(forms.Field):
    """A date typed the way people type it: "2022-01-05", "5 Jan", "January 5 2022",
    "jan 5". The year defaults to 2022; apart from ISO dates, numbers are read day
    first ("5/1" is 5 January)."""

    MAX_LENGTH = 40
    #: The dates a filter may name: far wider than the collection, narrow enough that no day
    #: before or after one (a gap, a strip) falls outside what Python's dates can hold.
    MIN_DATE = datetime.date(1900, 1, 1)
    MAX_DATE = datetime.date(2100, 12, 31)
    default_error_messages = {
        "invalid": "Could not read “%(value)s” as a date. Try “5 Jan” or “2022-01-05”.",
        "too_long": f"Type a date in at most {MAX_LENGTH} characters, such as “5 Jan”.",
        "out_of_range": f"Read as %(date)s: choose a date between {MIN_DATE:%-d %B %Y} and {MAX_DATE:%-d %B %Y}.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        day = self._read(value)
        if day and not self.MIN_DATE <= day <= self.MAX_DATE:
            raise forms.ValidationError(
                self.error_messages["out_of_range"], code="out_of_range", params={"date": f"{day:%-d %B %Y}"}
            )
        return day

    def _read(self, value):
        value = (value or "").strip()
        if not value:
            return None
        if len(value) > self.MAX_LENGTH:
            raise forms.ValidationError(self.error_messages["too_long"], code="too_long")
        if iso := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
            try:
                return datetime.date(*map(int, iso.groups()))
            except ValueError as error:  # 2022-13-01 is no date, not 13 January
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": value}
                ) from error
        try:
            parsed = dateutil_parser.parse(value, default=datetime.datetime(DEFAULT_YEAR, 1, 1), dayfirst=True)
        except (ValueError, OverflowError) as error:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from error
        if parsed.year != DEFAULT_YEAR and not re.search(r"\d{4}", value):
            # dateutil reads "32 Jan" as January 2032: a year the reader never typed.
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return parsed.date()


class SlugMultipleChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="slug", required=False, widget=forms.CheckboxSelectMultiple, **kwargs)

    def label_from_instance(self, obj):
        return obj.label if isinstance(obj, Source) else obj.name

    def _check_values(self, value):
        # Only slugs reach the database: PostgreSQL refuses some characters (NUL) outright.
        for slug in value:
            if not isinstance(slug, str) or not SLUG.fullmatch(slug):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(slug)[:100]}
                )
        return super()._check_values(value)


class TimelineFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text="Titles, summaries, quotes and names, in any spelling the sources use.",
    )
    start = LooseDateField(label="From", help_text="e.g. 5 Jan")
    end = LooseDateField(label="To", help_text="e.g. 2022-01-08")
    known_on = LooseDateField(
        label="As known on",
        help_text="Only what articles published by this day had reported.",
    )
    category = forms.MultipleChoiceField(
        label="Categories", choices=Event.Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    actor = SlugMultipleChoiceField(Actor.objects.public(), label="Actors")
    place = SlugMultipleChoiceField(Place.objects.public(), label="Places")
    source = SlugMultipleChoiceField(Source.objects.public(), label="Sources")
    kind = forms.MultipleChoiceField(
        label="Kinds of source", choices=Source.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    corroborated = forms.BooleanField(
        label="Independently corroborated only",
        required=False,
        help_text="Events that at least two independent origins report (two printings of one wire story are one).",
    )
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False, widget=forms.HiddenInput)

    #: The fields that narrow the selection (``page`` only picks a chunk of it), as a chip names them.
    FILTERS = {
        "q": "Search",
        "start": "From",
        "end": "To",
        "known_on": "As known on",
        "category": "Category",
        "actor": "Actor",
        "place": "Place",
        "source": "Source",
        "kind": "Kind of source",
        "corroborated": "Independently corroborated only",
    }

    @property
    def date_fields(self):
        return [self[name] for name in DATE_FIELDS]

    @property
    def only_dates_chosen(self):
        """True when no filter but From and To narrows the selection (a valid form): an empty
        day then means that no article reports anything on it, not that nothing matched."""
        return not any(self.cleaned_data.get(name) for name in self.FILTERS if name not in ("start", "end"))

    @property
    def choice_fields(self):
        """The checkbox groups, as plain data: [(bound field, [(value, label, checked)], number
        checked)]. The template writes the inputs itself; Django's widget templates took a third
        of the page's time. Values that match no choice (an unknown slug) are not counted."""
        groups = []
        for name in ("category", "actor", "place", "source", "kind"):
            bound = self[name]
            chosen = {str(v) for v in (bound.value() or [])}
            choices = [(str(value), label, str(value) in chosen) for value, label in bound.field.choices]
            groups.append((bound, choices, sum(checked for *_, checked in choices)))
        return groups

    def understood_dates(self):
        """{field name: the date as the form read it}, for the dates typed in."""
        if not self.is_valid():
            return {}
        return {name: self.cleaned_data[name] for name in DATE_FIELDS if self.cleaned_data.get(name)}

    def date_warnings(self, first_day, last_day):
        """{field name: message} for dates outside the days the collection covers: they are
        valid, but a reader who typed "1/6/2022" meaning 6 January should see at once that
        it was read as 1 June."""
        warnings = {}
        for name, day in self.understood_dates().items():
            if day > last_day:
                warnings[name] = (
                    f"Read as {day:%-d %B %Y}, after the latest article in the collection "
                    f"({last_day:%-d %B %Y}): nothing is reported that late."
                )
            elif day < first_day:
                warnings[name] = (
                    f"Read as {day:%-d %B %Y}, before the earliest event in the collection ({first_day:%-d %B %Y})."
                )
        return warnings

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        return data

    def filter(self, events, *, dates=True):
        """Narrow ``events`` by the cleaned filters. ``dates=False`` ignores the date range
        (the strip of days shows every day of the current selection)."""
        data = self.cleaned_data
        if dates:
            events = events.overlapping(data.get("start"), data.get("end"))
        if data.get("category"):
            events = events.filter(category__in=data["category"])
        if data.get("actor"):
            events = events.involving(data["actor"])
        if data.get("place"):
            events = events.located_at(data["place"])
        if data.get("source"):
            events = events.cited_by(data["source"])
        if data.get("kind"):
            events = events.cited_by(Source.objects.filter(kind__in=data["kind"]))
        if data.get("known_on"):
            events = events.cited_by(Source.objects.filter(published_on__lte=data["known_on"]))
        if data.get("corroborated"):
            events = events.independently_corroborated(data.get("known_on"))
        if data.get("q"):
            events = events.search(data["q"])
        return events

    def active_filters(self):
        """[(label, query string without that filter)] for each filter in use, so a
        reader can remove one at a time."""
        query = self.data if isinstance(self.data, QueryDict) else QueryDict(mutable=True)
        understood = self.understood_dates()
        chips = []
        for name, chip_label in self.FILTERS.items():
            values = [v for v in query.getlist(name) if v.strip()]
            if not values:
                continue
            names = self._choice_labels(name)
            if name in understood:  # the date as the form read it: "1/6/2022" is 1 June 2022
                names = dict.fromkeys(values, f"{understood[name]:%-d %B %Y}")
            for value in values:
                remaining = query.copy()
                remaining.setlist(name, [v for v in values if v != value])
                remaining.pop("page", None)
                on_or_off = isinstance(self.fields[name], forms.BooleanField)
                chips.append(
                    (chip_label if on_or_off else f"{chip_label}: {names.get(value, value)}", remaining.urlencode())
                )
        return chips

    def _choice_labels(self, name):
        """{value in the query string: what a reader calls it} for a choice field."""
        field = self.fields[name]
        if isinstance(field, forms.ModelMultipleChoiceField):
            return {obj.slug: field.label_from_instance(obj) for obj in field.queryset}
        return dict(getattr(field, "choices", ()))


class DifferenceFilterForm(forms.Form):
    """The filters of /differences/: by kind, by source, by event."""

    kind = forms.MultipleChoiceField(
        label="Kinds", choices=Difference.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    source = SlugMultipleChoiceField(Source.objects.public(), label="Sources")
    event = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def clean_event(self):
        slug = self.cleaned_data["event"]
        if slug and not (SLUG.fullmatch(slug) and Event.objects.published().filter(slug=slug).exists()):
            raise forms.ValidationError(f"No published event has the id “{slug[:100]}”.")
        return slug

    def filter(self, differences):
        data = self.cleaned_data
        if data.get("kind"):
            differences = differences.filter(kind__in=data["kind"])
        if data.get("source"):
            differences = differences.filter(positions__source__in=data["source"]).distinct()
        if data.get("event"):
            differences = differences.filter(events__slug=data["event"])
        return differences


class PageForm(forms.Form):
    """The one parameter of a list shown a page at a time (the public changes): ?page=N."""

    page = forms.IntegerField(min_value=1, max_value=1_000, required=False)
