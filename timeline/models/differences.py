"""Where the sources differ: a question, and each source's answer to it in its own words."""

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from timeline.models.common import QuotedPassage, SlugQuerySet, Status, Versioned, detail_url, limited_text
from timeline.models.events import Event, Figure


class DifferenceQuerySet(SlugQuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def with_related(self):
        # Only the figures of published events: a draft's figure linked to the difference stays unseen.
        figures = Figure.objects.published().select_related("source", "event").defer("source__text")
        return self.prefetch_related(
            models.Prefetch("positions", queryset=Position.objects.select_related("source").defer("source__text")),
            models.Prefetch(
                "positions__relations_from",
                queryset=PositionRelation.objects.select_related("to_position__source").defer(
                    "to_position__source__text"
                ),
            ),
            models.Prefetch("events", queryset=Event.objects.published()),
            models.Prefetch("figures", queryset=figures),
        )


class Difference(Versioned):
    """A question the sources answer differently, and how: "How many security personnel were
    killed?" (numbers), "Who was killed?" (who is described), "What was the airport overrun by?"."""

    class Kind(models.TextChoices):
        NUMBER = "number", "Numbers"
        WORDING = "wording", "Wording or translation"
        CHARACTERISATION = "characterisation", "Who is described"
        DATE = "date", "Dates and their precision"
        ATTRIBUTION = "attribution", "Attribution"
        NAMING = "naming", "Naming"
        FRAMING = "framing", "Framing"
        CERTAINTY = "certainty", "Certainty"
        ERROR = "error", "Errors"

    class Subject(models.TextChoices):
        """For the table of words each source uses: what the difference names."""

        PROTESTERS = "protesters", "The protesters"
        FOREIGN_TROOPS = "foreign_troops", "The foreign troops"
        VIOLENCE = "violence", "The violence"
        CITY = "city", "The city"
        BUILDINGS = "buildings", "The buildings stormed"

    slug = models.SlugField(unique=True, max_length=100, help_text="Stable id used in URLs and exports.")
    topic = models.CharField(
        max_length=300,
        help_text="The question the sources answer differently: “How many security personnel were killed?”",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(
        max_length=20,
        choices=Subject.choices,
        blank=True,
        help_text="For naming and framing: what is named, so that the table of words can compare sources.",
    )
    note = limited_text(
        "note", blank=True, help_text="What readers should know to compare the positions; attribute it."
    )
    events = models.ManyToManyField(Event, blank=True, related_name="differences")
    figures = models.ManyToManyField(
        Figure, blank=True, related_name="differences", help_text="For numbers: the figures that hold them."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    objects = DifferenceQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[events, figures])

    class Meta:
        ordering = ["kind", "topic"]

    def __str__(self):
        return self.topic

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return detail_url("difference_detail", self.slug)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    @property
    def title(self):
        return self.topic


class Position(QuotedPassage):
    """One source's answer to a difference's question, in the source's exact words."""

    published_via = "difference"

    difference = models.ForeignKey(Difference, on_delete=models.CASCADE, related_name="positions")
    reading = models.CharField(
        max_length=200, help_text="The answer this passage gives, briefly: “13 killed”, “so terrifying”, “bandits”."
    )
    claimant = models.CharField(
        max_length=200, help_text="Who gives it: “officials, in AFP's first edition”, “TASS”, “the police”."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Orders the positions (lower first).")
    history = HistoricalRecords()
    anchor_prefix = "p"

    class Meta:
        ordering = ["difference", "order", "source__published_on", "source__edition", "id"]

    def __str__(self):
        return f"{self.source.slug}: {self.reading}"


class PositionRelation(models.Model):
    """How two positions stand to each other, where the articles show it."""

    class Type(models.TextChoices):
        UPDATES = "updates", "updates (a later edition replaces it)"
        CONTRADICTS = "contradicts", "contradicts"
        AGREES = "agrees", "agrees with"

    difference = models.ForeignKey(Difference, on_delete=models.CASCADE, related_name="relations")
    from_position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="relations_from")
    to_position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="relations_to")
    type = models.CharField(max_length=12, choices=Type.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["difference", "from_position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["from_position", "to_position", "type"], name="one_relation_of_a_type")
        ]

    def __str__(self):
        return f"{self.from_position} {self.type} {self.to_position}"

    def clean(self):
        if self.from_position_id and self.from_position_id == self.to_position_id:
            raise ValidationError("A position cannot relate to itself.")
        positions = [
            p for p in (self.from_position_id and self.from_position, self.to_position_id and self.to_position) if p
        ]
        if self.difference_id and any(p.difference_id != self.difference_id for p in positions):
            raise ValidationError("Both positions must belong to this difference.")


def set_differences_of(figure, differences):
    """Make ``figure`` one of the figures of exactly ``differences`` (the figure's own form lets
    an editor choose them). Written from each difference's side, so that its history records the
    change; and each difference changed moves to its next version, so that an editor who has it
    open cannot overwrite the change without being told."""
    wanted = {difference.pk: difference for difference in differences}
    current = {difference.pk: difference for difference in figure.differences.all()}
    for pk in wanted.keys() - current.keys():
        wanted[pk].figures.add(figure)
    for pk in current.keys() - wanted.keys():
        current[pk].figures.remove(figure)
    changed = wanted.keys() ^ current.keys()
    if changed:
        Difference.objects.filter(pk__in=changed).update(version=models.F("version") + 1)
