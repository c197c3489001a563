"""The one way in for every write to curated data.

Admin forms, inlines and actions, the importer and the management commands all write through
the functions here. Each runs in one transaction and, in this order: validates (the models'
own rules), writes, applies the public-change rules, upserts the search entries of the events
concerned, and moves the data version on last. Nothing else keeps those in step: there are no
signals for them, so a write that bypasses this module is visible in review.

The public-change rules: a change is public once an event has been published. Correcting what
readers see (its date, title, summary, citations, figures, actors or places), taking it down
or publishing it again each needs a public note; the first publication does not, and nothing
done to a draft that was never published is public. A published event is never deleted and
its address never reused."""

import datetime
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from timeline.models import Actor, Citation, DataVersion, Event, EventChange, Figure, Place
from timeline.search import index_events

Kind = EventChange.Kind
NOTE_REQUIRED = {Kind.CORRECTED, Kind.UNPUBLISHED, Kind.REPUBLISHED}
NOTE_MISSING = {
    Kind.CORRECTED: "This event is published: say in a public change note what you changed and why "
    "(“date corrected: ‘Thursday night’ is 6 January”). Readers see it on the event's page and in the "
    "list of changes.",
    Kind.UNPUBLISHED: "Say why the event is being taken down: readers who follow a link to it will see this reason.",
    Kind.REPUBLISHED: "This event was taken down before: say why it is published again.",
}
#: An event's passages, by the name of their relation (and of the admin's inline formsets).
PASSAGE_MODELS = {"citations": Citation, "figures": Figure}


# What an event holds, as plain values that compare and travel as JSON ------------------------


def plain(value):
    """A field's value as JSON would carry it: "2022-01-05" for a date, a pk for a row,
    sorted pks for rows, text for decimals."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return sorted(plain(item) for item in value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return str(value)  # Decimal
    return value


def event_fields():
    """The event's own fields an editor sets (actors and places included)."""
    meta = Event._meta
    return [f.name for f in (*meta.concrete_fields, *meta.many_to_many) if f.editable and not f.primary_key]


def passage_fields(model):
    return [f.attname for f in model._meta.concrete_fields if f.editable and f.name not in ("id", "event")]


def passage_row(passage):
    return {name: plain(getattr(passage, name)) for name in passage_fields(type(passage))}


def snapshot(event_pk):
    """Everything an editor can change of a saved event: {"event": {field: value},
    "citations": {pk: {field: value}}, "figures": {...}}, with plain values and text keys
    (as the JSON an edit form carries). Empty for an unsaved event."""
    event = Event.objects.filter(pk=event_pk).first() if event_pk else None
    if event is None:
        return {"event": {}, **{relation: {} for relation in PASSAGE_MODELS}}
    state = {
        "event": {name: plain(getattr(event, name)) for name in event_fields() if name not in ("actors", "places")}
    }
    state["event"]["actors"] = sorted(event.actors.values_list("pk", flat=True))
    state["event"]["places"] = sorted(event.places.values_list("pk", flat=True))
    for relation in PASSAGE_MODELS:
        state[relation] = {str(p.pk): passage_row(p) for p in getattr(event, relation).order_by("pk")}
    return state


def as_json(state):
    return json.dumps(state, cls=DjangoJSONEncoder, sort_keys=True)


def public_changes(before, after):
    """What readers see that differs between two snapshots, in the words of the change log
    ("date", "summary", "citations"), each once, in a steady order."""
    changed = [name for name in EventChange.PUBLIC_FIELDS if name in after["event"]]
    changed = [name for name in changed if before["event"].get(name) != after["event"].get(name)]
    changed += [relation for relation in PASSAGE_MODELS if before[relation] != after[relation]]
    order = list(dict.fromkeys(EventChange.PUBLIC_FIELDS.values()))
    return sorted({EventChange.PUBLIC_FIELDS[name] for name in changed}, key=order.index)


# Three-way merge of two editors' saves ---------------------------------------------------------


@dataclass
class Merge:
    """How an edit started from ``base`` relates to what a colleague saved since (``theirs``):
    {key: (base, theirs)} changed by them only, {key: (base, mine)} by me only, and
    {key: (base, theirs, mine)} changed by both, differently."""

    theirs: dict = field(default_factory=dict)
    mine: dict = field(default_factory=dict)
    conflicts: dict = field(default_factory=dict)


def three_way(base, theirs, mine, merge=None, prefix=""):
    """Compare, key by key of ``mine``, an edit with its starting point and a colleague's save."""
    merge = merge or Merge()
    for key, my_value in mine.items():
        old, their_value = base.get(key), theirs.get(key)
        they_changed, I_changed = their_value != old, my_value != old
        if they_changed and not I_changed:
            merge.theirs[prefix + key] = (old, their_value)
        elif I_changed and not they_changed:
            merge.mine[prefix + key] = (old, my_value)
        elif they_changed and I_changed and their_value != my_value:
            merge.conflicts[prefix + key] = (old, their_value, my_value)
    return merge


# The state of an event before an edit, and the rules -----------------------------------------


class EventEdit:
    """An event as saved before an edit (what readers see of it, was it public, was it ever
    taken down), and the rules that edit must follow. Edits are compared with it, not with a
    form's initial values: a revert from the history starts from an old version."""

    def __init__(self, event_pk=None):
        self.pk = event_pk
        self.before = snapshot(event_pk)
        status = self.before["event"].get("status")
        kinds = set(EventChange.objects.filter(event_id=event_pk).values_list("kind", flat=True)) if event_pk else set()
        self.was_published = status == Event.Status.PUBLISHED
        self.was_taken_down = Kind.UNPUBLISHED in kinds
        #: Readers have seen it: it is published, as saved, or has been (any public change says so).
        self.ever_public = self.was_published or bool(kinds)

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

    def problems(self, after, note):
        """{field: message} for what the rules refuse in going from the saved event to ``after``
        (a snapshot, real or as a form would leave it) with the public ``note``."""
        errors = {}
        new = after["event"]
        if self.ever_public and "slug" in new and new["slug"] != self.before["event"].get("slug"):
            errors["slug"] = "Readers know this event by its address: it keeps it for good."
        kind = self.change_kind(new.get("status"), public_changes(self.before, after))
        if kind in NOTE_REQUIRED and not (note or "").strip():
            errors["change_note"] = NOTE_MISSING[kind]
        return errors


def in_words(error, model=Event):
    """A ValidationError as one line, for messages far from the form (actions, the importer).
    Django's generic messages ("This field cannot be blank.") get the field's name."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, messages in error.message_dict.items():
        for message in messages:
            generic = message.startswith("This field") and name != "__all__"
            parts.append(f"{model._meta.get_field(name).verbose_name}: {message}" if generic else message)
    return " ".join(parts)


def is_public(event):
    """Published (as saved) now or before: readers know its address, so it keeps it for good,
    and what they saw changes only with a public note. EventEdit.ever_public in one query
    (the admin asks it of every row it lists)."""
    if not (event and event.pk):
        return False
    changed = models.Exists(EventChange.objects.filter(event=models.OuterRef("pk")))
    return Event.objects.filter(models.Q(status=Event.Status.PUBLISHED) | changed, pk=event.pk).exists()


# Writing ---------------------------------------------------------------------------------------


def _check_passages(event):
    """The rules that span an event and its saved passages: every quote is in its source, and
    the event is not dated after all its sources (nor published without a citation)."""
    errors = {}
    for relation in PASSAGE_MODELS:
        for passage in getattr(event, relation).select_related("source"):
            if not passage.span:
                errors.setdefault("__all__", []).append(
                    f"The {relation[:-1]} “{passage.quote[:60]}” does not occur in the text of “{passage.source}”."
                )
    sources = [c.source for c in event.citations.select_related("source")]
    for name, message in event.citation_errors(sources).items():
        errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)


def save_event(event, *, note="", user=None, write_related=None, edit=None, reindex=True):
    """Save ``event`` and, through ``write_related(event)``, its actors, places, citations and
    figures, in one transaction; then apply the public-change rules (raising ValidationError,
    which undoes everything, when they refuse), record the public change, index the event and
    move the data version on. ``edit``: the event's state as read before this save (a form
    reads it when it validates); read here otherwise. ``reindex=False`` leaves the search
    entry and the data version to the caller (an import of thousands of events does both
    once, with data_changed). Returns the public change, or None."""
    version = event.version
    try:
        return _save_event(event, note, user, write_related, edit or EventEdit(event.pk), reindex)
    except Exception:
        event.version = version  # the save was undone: the copy is still at the version it was loaded at
        raise


def _write(obj, user, note, write_related):
    """Validate and save ``obj``, for the history with its editor and public note, then, through
    ``write_related(obj)``, its links and inlines."""
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj._history_user = user
    obj._change_reason = (note or "").strip() or None
    obj.save()
    if write_related:
        write_related(obj)


def _save_event(event, note, user, write_related, edit, reindex):
    with transaction.atomic():
        _write(event, user, note, write_related)
        after = snapshot(event.pk)
        problems = edit.problems(after, note)
        if problems:
            raise ValidationError(problems)
        _check_passages(event)
        changed = public_changes(edit.before, after)
        kind = edit.change_kind(event.status, changed)
        change = record(event, kind, note, changed if kind == Kind.CORRECTED else ())
        if reindex:
            data_changed(event_ids=[event.pk])
        return change


def record(event, kind, note, changed=()):
    """The public change, saved with the event as readers see it after the change; None when
    the save is not one (``kind`` None)."""
    if kind is None:
        return None
    return EventChange.objects.create(
        event=event,
        kind=kind,
        note=(note or "").strip(),
        changed=list(changed),
        title=event.title,
        date_display=event.date_display,
    )


def publish(event, *, user=None):
    """Publish a draft that was never taken down (one taken down comes back with a note, from its form)."""
    edit = EventEdit(event.pk)
    if edit.was_taken_down:
        raise ValidationError(f"“{event.title}” was taken down before: open it to publish it again, with a note.")
    event.status = Event.Status.PUBLISHED
    if errors := event.citation_errors([c.source for c in event.citations.select_related("source")]):
        raise ValidationError(errors)  # the likeliest reason first
    return save_event(event, user=user, edit=edit)


def take_down(event, reason, *, user=None):
    """Unpublish an event with a public reason: its address then answers 410 Gone with it."""
    event.status = Event.Status.DRAFT
    return save_event(event, note=reason, user=user)


def delete_event(event):
    """Delete a draft readers never saw; a public one is taken down instead, never deleted."""
    with transaction.atomic():
        if is_public(event):
            raise ValidationError("Readers have seen this event: take it down (with a reason) instead of deleting it.")
        event.delete()
        data_changed()


def save_curated(obj, *, user=None, note="", write_related=None):
    """Save a source, actor, place, difference or passage (not an event: see save_event) and,
    through ``write_related(obj)``, its links and inlines; then re-index the events it is
    found by and move the data version on. The citations and figures of an event readers have
    seen change only with the event (save_event), where a public note goes with them."""
    with transaction.atomic():
        _refuse_public_passage(obj)
        _write(obj, user, note, write_related)
        data_changed(event_ids=_events_found_by(obj))
        return obj


def delete_curated(obj):
    with transaction.atomic():
        _refuse_public_passage(obj)
        event_ids = _events_found_by(obj)
        obj.delete()
        data_changed(event_ids=event_ids)


def _refuse_public_passage(obj):
    if isinstance(obj, tuple(PASSAGE_MODELS.values())) and obj.event_id and is_public(obj.event):
        raise ValidationError(
            "This event is public: change its citations and figures from the event's page, with a public change note."
        )


def _events_found_by(obj):
    """The events whose search entry holds words of ``obj``."""
    if isinstance(obj, Event):
        return [obj.pk]
    if hasattr(obj, "event_id"):  # a citation or figure
        return [obj.event_id]
    if isinstance(obj, (Actor, Place)) and obj.pk:
        return list(obj.events.values_list("pk", flat=True))
    return []


def data_changed(event_ids=()):
    """After any write: upsert the search entries of ``event_ids``, then move the data version
    on, last, so that nothing derived from the data outlives the change."""
    if event_ids:
        index_events(event_ids)
    DataVersion.bump()
