"""Events, and the citations and figures that tie every statement to a source's exact words."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Count
from django.template.defaultfilters import pluralize
from simple_history.models import HistoricalRecords

from timeline.models.common import (
    MAX_FIGURE,
    MAX_SPAN,
    TIMELINE_START,
    DateBasis,
    PassageQuerySet,
    QuotedPassage,
    SlugQuerySet,
    Status,
    Versioned,
    detail_url,
    in_words,
    limited_text,
    span_in_words,
)
from timeline.models.sources import Actor, Place, Source
from timeline.text import fold, words


class EventQuerySet(SlugQuerySet):
    def published(self):
        return self.filter(Event.published_q())

    def context(self):
        """What happened before the unrest began: shown ahead of the day-by-day timeline."""
        return self.filter(date__lt=TIMELINE_START)

    def day_by_day(self):
        return self.filter(date__gte=TIMELINE_START)

    def overlapping(self, start=None, end=None):
        """Events that happened on some day between ``start`` and ``end`` (either may be None)."""
        events = self
        if start:
            events = events.filter(models.Q(end_date__gte=start) | models.Q(end_date__isnull=True, date__gte=start))
        if end:
            events = events.filter(date__lte=end)
        return events

    def involving(self, actors):
        return self.filter(pk__in=Event.actors.through.objects.filter(actor__in=actors).values("event_id"))

    def located_at(self, places):
        return self.filter(pk__in=Event.places.through.objects.filter(place__in=places).values("event_id"))

    def cited_by(self, sources):
        """Events that at least one of ``sources`` (a queryset of sources) reports."""
        return self.filter(pk__in=Citation.objects.filter(source__in=sources).values("event_id"))

    def search(self, text):
        """Events matching every word of ``text`` in their title, summary, quotes, or the
        names and name variants of their actors and places (see timeline.search, which imports
        the models: hence imported here, when a search is made)."""
        from timeline.search import matching

        return matching(self, text)

    def before(self, event):
        """Events ahead of ``event`` in the timeline's order (Meta.ordering, untimed first)."""
        same_day = models.Q(date=event.date)
        same_order = same_day & models.Q(day_order=event.day_order)
        if event.time is None:
            earlier_time, same_time = models.Q(pk__in=[]), models.Q(time__isnull=True)
        else:
            earlier_time = models.Q(time__isnull=True) | models.Q(time__lt=event.time)
            same_time = models.Q(time=event.time)
        return self.filter(
            models.Q(date__lt=event.date)
            | (same_day & models.Q(day_order__lt=event.day_order))
            | (same_order & earlier_time)
            | (same_order & same_time & models.Q(slug__lt=event.slug))
        )

    def independently_corroborated(self, known_on=None):
        """Events that at least two independent origins report (by ``known_on``, if given)."""
        citations = Citation.objects.all()
        if known_on:
            citations = citations.filter(source__published_on__lte=known_on)
        origins = Count(Source.independent_origin_expression("source__"), distinct=True)
        corroborated = citations.values("event_id").annotate(origins=origins).filter(origins__gte=2)
        return self.filter(pk__in=corroborated.values("event_id"))

    def carried_over(self):
        """Events whose date is uncertain or that span several days."""
        return self.filter(end_date__gt=models.F("date"))

    def with_related(self, known_on=None):
        """Prefetch what an event is shown with. With ``known_on`` (a date), only the
        citations and figures of sources published by then, and ``later_reporting`` says
        whether the event is also cited by sources published later (its summary, written
        from all of them, then says more than was known)."""
        # Not the sources' full texts: a page of events would drag each one in hundreds of times.
        citations = Citation.objects.select_related("source", "claimant").defer("source__text")
        figures = Figure.objects.select_related("source", "claimant").defer("source__text")
        events = self
        if known_on:
            citations = citations.filter(source__published_on__lte=known_on)
            figures = figures.filter(source__published_on__lte=known_on)
            later = models.Q(source__published_on__gt=known_on, event=models.OuterRef("pk"))
            events = events.annotate(
                later_reporting=models.Exists(Citation.objects.filter(later))
                | models.Exists(Figure.objects.filter(later))
            )
        return events.prefetch_related(
            "actors",
            "places",
            models.Prefetch("citations", queryset=citations),
            models.Prefetch("figures", queryset=figures),
        )


class EventDates:
    """How an event's date reads, for an Event and for the rows exports read (exports.rows.EventRecord)
    alike: both have ``date``, ``end_date``, ``date_precision`` and ``date_basis``."""

    __slots__ = ()

    @property
    def is_context(self):
        return self.date < TIMELINE_START

    @property
    def carried_over_label(self):
        """How the event is labelled under a later day than its first: "Ongoing since 5
        January (until 19 January)", "Between 5 and 6 January: possibly on this day"."""
        if self.date_precision == Event.Precision.BETWEEN:
            return f"{self.date_display}: possibly on this day"
        day = "%-d %B" if self.date.year == self.end_date.year else "%-d %B %Y"
        return f"Ongoing since {self.date:{day}} (until {self.end_date:{day}})"

    @property
    def date_basis_label(self):
        """What readers see of the date's basis: nothing when the article states the date."""
        if self.date_basis == DateBasis.STATED:
            return ""
        return (
            f"Date {DateBasis(self.date_basis).phrase}"
            if self.date_basis in DateBasis.values
            else "Date basis not recorded"
        )

    @property
    def date_display(self):
        """The date as precisely as it is known: "Wednesday 5 January 2022",
        "Between 5 and 6 January 2022", "5 to 19 January 2022", "1999"."""
        if self.date_precision == Event.Precision.YEAR:
            return f"{self.date:%Y}"
        if self.date_precision == Event.Precision.MONTH:
            return f"{self.date:%B %Y}"
        if not self.end_date or self.end_date == self.date:
            return in_words(self.date)
        if self.date_precision == Event.Precision.BETWEEN:
            return f"Between {span_in_words(self.date, self.end_date, ' and ')}"
        return span_in_words(self.date, self.end_date)


class Event(EventDates, Versioned):
    class Category(models.TextChoices):
        PROTEST = "protest", "Protest"
        VIOLENCE = "violence", "Violence"
        SECURITY = "security", "Security operation"
        POLITICAL = "political", "Political decision"
        INTERNATIONAL = "international", "International response"
        STATEMENT = "statement", "Statement or claim"
        COMMUNICATIONS = "communications", "Communications"
        ECONOMY = "economy", "Economy and daily life"
        BACKGROUND = "background", "Background"

    class Precision(models.TextChoices):
        DAY = "day", "Exact day"
        BETWEEN = "between", "Some time between the two days"
        MONTH = "month", "Month only"
        YEAR = "year", "Year only"

    Status = Status

    slug = models.SlugField(unique=True, max_length=100, help_text="Stable id used in URLs and exports.")
    title = models.CharField(max_length=200)
    summary = limited_text("summary", help_text="A neutral account in our own words; attribute every claim.")
    category = models.CharField(max_length=20, choices=Category.choices)
    date = models.DateField(help_text="The day it happened (for a span or an uncertain date, the first day).")
    end_date = models.DateField(
        null=True, blank=True, help_text="Last day of a span, or the latest possible day of an uncertain date."
    )
    date_precision = models.CharField(max_length=10, choices=Precision.choices, default=Precision.DAY)
    date_basis = models.CharField(
        "how the date is known",
        max_length=10,
        choices=DateBasis.choices,
        help_text="Stated: the article gives the date (“on January 5”). Resolved: from the article's own words "
        "against its own date (“on Wednesday” in a Thursday 6 January story is 5 January). Inferred: from "
        "something else the articles say. Outside knowledge: from outside the articles, marked as such.",
    )
    date_basis_note = limited_text(
        "note",
        verbose_name="how the date was established",
        blank=True,
        help_text="The article's words and the reasoning (“‘Early on Wednesday’ in AFP's Thursday 6 January "
        "story”), or the outside knowledge used. Required unless the date is stated.",
    )
    time = models.TimeField(null=True, blank=True, help_text="Local (Almaty) time, when a source gives one.")
    time_note = models.CharField(
        max_length=100, blank=True, help_text="When in the day, as the sources put it: “overnight”, “early”."
    )
    day_order = models.PositiveSmallIntegerField(
        default=0, help_text="Orders events within a day (lower first) where times are unknown."
    )
    actors = models.ManyToManyField(Actor, blank=True, related_name="events")
    places = models.ManyToManyField(Place, blank=True, related_name="events")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[actors, places])

    class Meta:
        # Untimed events first within their day_order, on every database (PostgreSQL puts NULLs last).
        ordering = ["date", "day_order", models.F("time").asc(nulls_first=True), "slug"]
        indexes = [
            # The timeline's order among published events: chunks, counts and the day strip read it.
            models.Index(fields=["status", "date", "day_order", "time", "slug"], name="event_timeline_order"),
            models.Index(fields=["status", "category", "date"], name="event_category_date"),
            # The strip of days counts events per (date, end date, precision): read from the index alone.
            models.Index(fields=["status", "date", "end_date", "date_precision"], name="event_day_strip"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return detail_url("event_detail", self.slug)

    @staticmethod
    def published_q(path=""):
        """The condition "the event is published", for querysets and annotations, reached from
        another model through ``path``: ``Count("citations", filter=Event.published_q("citations__event__"))``."""
        return models.Q(**{f"{path}status": Event.Status.PUBLISHED})

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def clean(self):
        errors = {}
        if self.end_date and self.date and self.end_date < self.date:
            errors["end_date"] = "The end date cannot be before the start date."
        elif self.end_date and self.date and self.end_date - self.date > MAX_SPAN:
            errors["end_date"] = (
                f"From {in_words(self.date)} to {in_words(self.end_date)} is {(self.end_date - self.date).days:,} "
                f"days: an event lasts at most {MAX_SPAN.days} days here. Check the end date's year."
            )
        elif self.date_precision == self.Precision.BETWEEN and not self.end_date:
            errors["end_date"] = "An uncertain date needs the latest possible day as its end date."
        if self.date_basis and self.date_basis != DateBasis.STATED and not self.date_basis_note.strip():
            errors["date_basis_note"] = (
                "Say how the date was established: the article's words it was resolved from, what it was "
                "inferred from, or the outside knowledge used."
            )
        if errors:
            raise ValidationError(errors)

    def citation_errors(self, sources):
        """{field: message} for what is wrong with this event given the ``sources`` of the
        citations about to be saved with it: the rules that span the event and its
        citations. The admin's citation formset, the importer and the publish action call it."""
        errors = {}
        if self.status == self.Status.PUBLISHED and not sources:
            errors["status"] = "A published event needs at least one citation: add one, or keep the event as a draft."
        if sources and self.date:
            latest = max(sources, key=lambda source: source.published_on)
            if self.date > latest.published_on:
                errors["date"] = (
                    f"This date is after the publication of every source that cites the event (the latest, "
                    f"“{latest.label}”, appeared on {latest.published_on:%-d %B %Y}). "
                    "Give the day the event happened, not the day it was reported."
                )
        return errors

    @property
    def corroboration(self):
        """How much stands behind the event, from the (prefetched) citations."""
        return Corroboration.of(self.citations.all())


@dataclass(frozen=True)
class Corroboration:
    """How much stands behind a statement, computed from its citations, never typed by hand:
    how many passages, articles and independent origins (two printings of one wire story are
    two articles but one origin), and whether every claimant is a party to the conflict."""

    class Level(models.TextChoices):
        NONE = "none", "No passage"
        ONE_PASSAGE = "one_passage", "One passage"
        ONE_ARTICLE = "one_article", "One article"
        ONE_ORIGIN = "one_origin", "Several articles of one origin"
        INDEPENDENT = "independent", "Independently corroborated"

    passages: int
    articles: int
    origins: int
    origin_names: tuple
    parties_only: bool  # every claimant is a party to the conflict

    @classmethod
    def of(cls, citations):
        citations = list(citations)
        sources = {c.source_id: c.source for c in citations}
        origins = dict.fromkeys(s.independent_origin for s in sources.values())
        parties_only = bool(citations) and all(c.claimed_by_a_party for c in citations)
        return cls(len(citations), len(sources), len(origins), tuple(origins), parties_only)

    @property
    def level(self):
        if self.origins > 1:
            return self.Level.INDEPENDENT
        if self.articles > 1:
            return self.Level.ONE_ORIGIN
        if self.passages > 1:
            return self.Level.ONE_ARTICLE
        return self.Level.ONE_PASSAGE if self.passages else self.Level.NONE

    def __str__(self):
        """In words: "1 passage from 1 article", "4 passages from 2 articles of one origin
        (AFP)", "7 passages from 4 articles, 3 independent origins"; and ", every claimant a
        party to the conflict" where that is so."""
        passages = f"{self.passages} passage{pluralize(self.passages)}"
        articles = f"{self.articles} article{pluralize(self.articles)}"
        if self.articles <= 1:
            words = f"{passages} from {articles}"
        elif self.origins == 1:
            words = f"{passages} from {articles} of one origin ({self.origin_names[0]})"
        else:
            words = f"{passages} from {articles}, {self.origins} independent origins"
        return f"{words}; every claimant is a party to the conflict" if self.parties_only else words

    def as_dict(self):
        return {
            "level": self.level.value,
            "passages": self.passages,
            "articles": self.articles,
            "independent_origins": list(self.origin_names),
            "parties_only": self.parties_only,
            "in_words": str(self),
        }


class Citation(QuotedPassage):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="citations")
    claimant = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="Who makes the claim the passage reports (“police said”); blank when it is the article's own "
        "reporting.",
    )
    history = HistoricalRecords()
    anchor_prefix = "c"

    class Meta:
        ordering = ["event", "id"]

    @property
    def claimed_by_a_party(self):
        return claimed_by_a_party(self.claimant if self.claimant_id else None, self.source)

    def __str__(self):
        return f"{self.source.slug}: {self.quote[:60]}"


def claimed_by_a_party(claimant, source):
    """Whether a citation's claim is a party's: its claimant's (an Actor), or the article's own
    when it names none. For Citation and for the rows the exports read alike."""
    return claimant.party_to_conflict if claimant else source.party_to_conflict


def scope_key(scope):
    """What two ways of writing one scope share: its letters and digits, case and accents
    folded. "Nationwide", "nation-wide" and " nationwide." have the same key; "across the
    country" does not have the key of "nationwide": different words are never merged here."""
    return "".join(words(scope))


class FigureQuerySet(PassageQuerySet):
    def scopes(self):
        """{measure: [scope, ...]}: the scopes each measure already has, the most used first."""
        pairs = self.values("measure", "scope").annotate(uses=Count("pk")).order_by("measure", "-uses", "scope")
        scopes = {}
        for pair in pairs:
            if pair["scope"]:
                scopes.setdefault(pair["measure"], []).append(pair["scope"])
        return scopes

    def existing_scope(self, measure, scope):
        """The scope, as the figures of ``measure`` already write it, of which ``scope`` differs only
        by case, spaces or punctuation (the most used such spelling); None when there is none."""
        key = scope_key(scope)
        if not key:
            return None
        return next((s for s in self.scopes().get(measure, []) if scope_key(s) == key), None)


class Figure(QuotedPassage):
    class Measure(models.TextChoices):
        SECURITY_KILLED = "security_killed", "Security personnel killed"
        SECURITY_WOUNDED = "security_wounded", "Security personnel wounded"
        SECURITY_BEHEADED = "security_beheaded", "Security personnel beheaded"
        PEOPLE_KILLED = "people_killed", "People killed"
        PEOPLE_WOUNDED = "people_wounded", "People wounded"
        HOSPITALISED = "hospitalised", "People hospitalised"
        INTENSIVE_CARE = "intensive_care", "People in intensive care"
        DETAINED = "detained", "People detained"
        DOCTORS_INJURED = "doctors_injured", "Doctors injured"
        ATTACKERS = "attackers", "Attackers, as claimed"
        TROOPS = "troops", "Troops deployed"
        AVERAGE_SALARY_USD = "average_salary_usd", "Average monthly salary (US$)"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="figures")
    measure = models.CharField(max_length=30, choices=Measure.choices)
    value = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[
            MaxValueValidator(MAX_FIGURE, f"No count in this story can exceed {MAX_FIGURE:,}: check the number.")
        ],
        help_text="The number as reported; leave blank for “dozens” or “hundreds”.",
    )
    qualifier = models.CharField(
        max_length=50, blank=True, help_text="As written: “more than”, “about”, “nearly”, “up to”, “dozens”."
    )
    claimant = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="figures_claimed",
        help_text="Who gave the number (“the interior ministry said”); blank when it is the article's own reporting.",
    )
    claimant_words = models.CharField(
        "claimant, as the article puts it",
        max_length=200,
        blank=True,
        help_text="The article's words for who gave the number, as written: “the interior ministry”, “officials”. "
        "With no claimant, the words that attribute the number without naming anyone (“it also became known”), "
        "or blank for the article's own reporting.",
    )
    reported_on = models.DateField(help_text="The day the number was reported.")
    scope = models.CharField(
        max_length=200,
        blank=True,
        help_text="What exactly the number covers, where the article says: “in Almaty”, “nationwide”, “so far”. "
        "Figures are compared only with figures of the same measure and scope: choose one of the measure's "
        "scopes where it fits; one written differently only in case, spaces or punctuation becomes the existing one.",
    )
    objects = FigureQuerySet.as_manager()
    history = HistoricalRecords()
    anchor_prefix = "f"

    class Meta:
        ordering = ["measure", "reported_on", "source__published_on", "id"]

    def __str__(self):
        return f"{self.get_measure_display()}: {self.display_value} ({self.claimed_by}, {self.source.slug})"

    def clean(self):
        super().clean()
        if self.measure and self.scope:
            others = Figure.objects.exclude(pk=self.pk) if self.pk else Figure.objects.all()
            self.scope = others.existing_scope(self.measure, self.scope) or self.scope.strip()
        if self.value is None and not self.qualifier:
            raise ValidationError({"value": "Give the number, or a qualifier such as “dozens” when there is none."})
        if self.source_or_none and self.reported_on and self.reported_on > self.source.published_on:
            raise ValidationError(
                {
                    "reported_on": f"The source was published on {self.source.published_on:%-d %B %Y}: "
                    "it cannot report a number on a later day."
                }
            )

    @property
    def claimed_by(self):
        """Who gave the number, in words: the claimant's name, "not named (‘it also became known’)",
        or "the article's own reporting"."""
        if self.claimant_id:
            return self.claimant.name
        if self.claimant_words:
            return f"not named (“{self.claimant_words}”)"
        return "the article's own reporting"

    @property
    def claimant_words_differ(self):
        """Whether the article's words for the claimant are not simply the claimant's name: pages
        then show them beside it (“officials” for the Government of Kazakhstan)."""
        return bool(self.claimant_words) and not (
            self.claimant_id and fold(self.claimant_words) == fold(self.claimant.name)
        )

    @property
    def display_value(self):
        if self.value is None:
            return self.qualifier
        return f"{self.qualifier} {self.value:,}".strip()


class SearchEntry(models.Model):
    """The words an event is found by, written by timeline.search and indexed by each
    engine's full-text search (SQLite FTS5, PostgreSQL tsvector with a GIN index)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, primary_key=True, related_name="search_entry")
    text = models.TextField()

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self):
        return f"search entry of event {self.event_id}"
