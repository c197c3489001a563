"""When an editor's save is a public change, and recording it.

A change is public once an event has been published: a correction of what readers saw (its
date, title, summary, citations, figures, actors or places), taking it down, or publishing
it again. Each needs a public note; the first publication does not, and nothing done to a
draft that was never published is public."""

from django.forms.models import model_to_dict
from django.utils.functional import cached_property

from timeline.models import Event, EventChange

Kind = EventChange.Kind
NOTE_REQUIRED = {Kind.CORRECTED, Kind.UNPUBLISHED, Kind.REPUBLISHED}
NOTE_MISSING = {
    Kind.CORRECTED: "This event is published: say in a public change note what you changed and why "
    "(“date corrected: ‘Thursday night’ is 6 January”). Readers see it on the event's page and in the "
    "list of changes.",
    Kind.UNPUBLISHED: "Say why the event is being taken down: readers who follow a link to it will see this reason.",
    Kind.REPUBLISHED: "This event was taken down before: say why it is published again.",
}


class EventState:
    """An event as saved before an edit: what readers see of it, was it public, and was it ever
    taken down. Edits are compared with it, not with the form's initial values: a revert from
    the history starts from an old version."""

    def __init__(self, event_pk):
        self.saved_event = Event.objects.filter(pk=event_pk).first() if event_pk else None
        kinds = set(self.saved_event.changes.values_list("kind", flat=True)) if self.saved_event else set()
        self.was_published = self.saved_event is not None and self.saved_event.is_published
        self.was_taken_down = Kind.UNPUBLISHED in kinds
        #: Readers have seen it: it is published, as saved, or has been (any public change says so).
        self.ever_public = self.was_published or bool(kinds)

    @cached_property
    def saved(self):
        """What readers see of the saved event: {field name: value}."""
        return model_to_dict(self.saved_event, fields=EventChange.PUBLIC_FIELDS) if self.saved_event else {}

    def changed(self, cleaned_data):
        """The public fields whose new value (a form's cleaned data) differs from the saved one."""
        changed = []
        for name, old in self.saved.items():
            if name not in cleaned_data:
                continue
            new = cleaned_data[name]
            if name in ("actors", "places"):
                old, new = {entity.pk for entity in old}, {entity.pk for entity in new}
            if old != new:
                changed.append(name)
        return changed

    def change_kind(self, new_status, changed):
        """The public change a save to ``new_status`` makes, ``changed`` naming what readers see
        that differs; None when the save is not a public change."""
        now_published = new_status == Event.Status.PUBLISHED
        if self.was_published and now_published:
            return Kind.CORRECTED if changed else None
        if self.was_published:
            return Kind.UNPUBLISHED
        if now_published:
            return Kind.REPUBLISHED if self.was_taken_down else Kind.PUBLISHED
        return None


def public_names(field_names):
    """What readers see of the given model fields (and "citations", "figures"), in the words
    of the change log, each once, in a steady order."""
    names = [EventChange.PUBLIC_FIELDS[name] for name in field_names if name in EventChange.PUBLIC_FIELDS]
    order = list(dict.fromkeys(EventChange.PUBLIC_FIELDS.values()))
    return sorted(set(names), key=order.index)


def record(event, kind, note, changed=()):
    """The public change, saved; None when the save is not one (``kind`` None)."""
    if kind is None:
        return None
    return EventChange.objects.create(event=event, kind=kind, note=note.strip(), changed=list(changed))
