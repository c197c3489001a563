"""The public record of corrections: what changed in a published event, when, and why."""

from django.db import models
from django.utils import timezone

from timeline.models.common import limited_text
from timeline.models.events import Event


class EventChangeQuerySet(models.QuerySet):
    def newest_first(self):
        return self.select_related("event").order_by("-made_at", "-pk")


class EventChange(models.Model):
    """One public change to an event, with the editor's public note. Drafts and edits made
    before an event is first published are not public changes; nothing here names the editor
    (the editors' history does)."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Published"
        CORRECTED = "corrected", "Corrected"
        UNPUBLISHED = "unpublished", "Taken down"
        REPUBLISHED = "republished", "Published again"

    #: What readers see of an event, in the words the change log uses. A change to any of them,
    #: once the event is public, needs a public note.
    PUBLIC_FIELDS = {
        "title": "title",
        "summary": "summary",
        "category": "category",
        "date": "date",
        "end_date": "date",
        "date_precision": "date",
        "date_basis": "how the date is known",
        "date_basis_note": "how the date is known",
        "time": "time",
        "time_note": "time",
        "actors": "actors",
        "places": "places",
        "citations": "citations",
        "figures": "figures",
    }

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = limited_text(
        "note", blank=True, help_text="Public: what changed and why (“date corrected: ‘Thursday night’ is 6 January”)."
    )
    changed = models.JSONField(default=list, blank=True, help_text="What readers see that changed: “date”, “summary”…")
    made_at = models.DateTimeField(default=timezone.now, db_index=True)
    #: The event as readers saw it after this change: a later draft's title never reaches the record.
    title = models.CharField(max_length=200, blank=True)
    date_display = models.CharField("date", max_length=100, blank=True)

    objects = EventChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-made_at", "-pk"]
        verbose_name = "public change"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title} ({self.made_at:%Y-%m-%d})"

    def get_absolute_url(self):
        return f"{self.event.get_absolute_url()}#change-{self.pk}"

    @property
    def changed_label(self):
        """ "date, summary and citations" """
        names = list(self.changed)
        if len(names) < 2:
            return "".join(names)
        return f"{', '.join(names[:-1])} and {names[-1]}"

    @property
    def headline(self):
        """How a list of changes names this one: "Corrected: date and summary"."""
        if self.kind == self.Kind.CORRECTED and self.changed:
            return f"Corrected: {self.changed_label}"
        return self.get_kind_display()
