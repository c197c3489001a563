"""The curated data as files: the fixtures in `fixtures/` and the articles' texts in `seeds/`.

Loading (`load_curated`) and saving (`dump_curated`) live side by side so that each stays the
other's inverse: a dump right after a load writes back the very files that were loaded, byte for
byte, and a load of a dump gives back the database it was taken from."""

import json
from operator import attrgetter
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from timeline import editing
from timeline.models import (
    Actor,
    Citation,
    Difference,
    Event,
    EventChange,
    Figure,
    Place,
    Position,
    PositionRelation,
    Source,
    refresh_all_text_fragments,
)

#: Each fixture file, in the order they load, with the models it holds and, for each, the fields
#: it gives in the order it gives them. A row with a natural key (a slug) is written without its id
#: and referred to by its slug; passages and relations keep their ids, which other rows refer to.
FIXTURES = {
    "sources": {
        Source: [
            "slug",
            "seed_file",
            "title",
            "title_supplied",
            "outlet",
            "origin",
            "authors",
            "published_on",
            "edition",
            "published_on_basis_kind",
            "published_on_basis",
            "url",
            "url_basis",
            "rights_holder",
            "kind",
            "party_to_conflict",
            "text",
        ]
    },
    "actors": {Actor: ["slug", "name", "kind", "party_to_conflict", "aliases", "description"]},
    "places": {Place: ["slug", "name", "kind", "aliases", "description", "latitude", "longitude"]},
    "events": {
        Event: [
            "slug",
            "title",
            "summary",
            "category",
            "date",
            "end_date",
            "date_precision",
            "date_basis",
            "date_basis_note",
            "time",
            "time_note",
            "day_order",
            "status",
            "actors",
            "places",
        ],
        Citation: ["event", "source", "claimant", "quote", "note"],
        Figure: [
            "event",
            "source",
            "measure",
            "value",
            "qualifier",
            "claimant",
            "claimant_words",
            "reported_on",
            "quote",
            "note",
            "scope",
        ],
    },
    "differences": {
        Difference: ["slug", "topic", "kind", "subject", "note", "status", "version", "events", "figures"],
        Position: ["difference", "source", "quote", "reading", "claimant", "note", "order"],
        PositionRelation: ["difference", "from_position", "to_position", "type"],
    },
}
CURATED_FIXTURES = list(FIXTURES)

#: What the fixtures leave out: ids of rows with a natural key, and what is worked out again on
#: load (a passage's text-fragment link, the folded names search reads, an event's edit counter).
LEFT_OUT = {
    Source: ["id"],
    Actor: ["id", "search_names"],
    Place: ["id", "search_names"],
    Event: ["id", "version"],
    Citation: ["text_fragment"],
    Figure: ["text_fragment"],
    Difference: ["id"],
    Position: ["text_fragment"],
    PositionRelation: [],
}


def default_fixtures_dir():
    return Path(settings.FIXTURE_DIRS[0])


@transaction.atomic
def load(fixtures_dir=None, force=False, verbosity=1):
    """Load the fixtures (from ``fixtures_dir``, by default the repository's) into an empty
    database and return True; a database that holds sources or events is left alone (False),
    unless ``force``, which replaces whatever it holds with the fixtures."""
    if not force and (Source.objects.exists() or Event.objects.exists()):
        return False
    if force:  # loaddata only adds and updates: a row the fixtures dropped would otherwise linger
        for model in (EventChange, Difference, Event, Actor, Place, Source):  # each after what refers to it
            model.objects.all().delete()
    fixtures_dir = Path(fixtures_dir or default_fixtures_dir())
    call_command("loaddata", *(str(fixtures_dir / f"{name}.json") for name in FIXTURES), verbosity=verbosity)
    refresh_all_text_fragments()  # loaddata does not call save(), where a passage gets its link
    editing.data_changed(event_ids=Event.objects.values_list("pk", flat=True))  # index what was loaded
    # Give every loaded row its first entry in the editors' history.
    call_command("populate_history", auto=True, verbosity=0)
    return True


@transaction.atomic  # one reading of the data, for every file
def fixture_files():
    """{file name: its content}, the database's curated data as the fixtures hold it.

    Rows come in the order they were added (a load adds them in the file's order), and a row's
    links to others in the order those were added: the database keeps no order of its own for
    links, and this one is the same on every database. Drafts stay drafts: every status is
    written as the database holds it."""
    keys = {}  # model -> {id: natural key}, read once per model
    files = {}
    for name, models in FIXTURES.items():
        rows = []
        for model, field_names in models.items():
            rows += _rows(model, [model._meta.get_field(f) for f in field_names], keys)
        files[f"{name}.json"] = json.dumps(rows, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n"
    return files


def _rows(model, fields, keys):
    links = [field.name for field in fields if field.many_to_many]
    for obj in model._default_manager.order_by("pk").prefetch_related(*links):
        row = {"model": model._meta.label_lower}
        if not hasattr(model, "natural_key"):
            row["pk"] = obj.pk
        row["fields"] = {field.name: _value(obj, field, keys) for field in fields}
        yield row


def _value(obj, field, keys):
    if field.many_to_many:
        linked = sorted(getattr(obj, field.name).all(), key=attrgetter("pk"))
        return [_reference(field.related_model, other.pk, keys) for other in linked]
    if field.many_to_one:
        return _reference(field.related_model, getattr(obj, field.attname), keys)
    return field.value_from_object(obj)  # dates, times and decimals are written by DjangoJSONEncoder


def _reference(model, pk, keys):
    """How a fixture refers to a row: its natural key where it has one, else its id."""
    if pk is None or not hasattr(model, "natural_key"):
        return pk
    if model not in keys:
        keys[model] = {obj.pk: list(obj.natural_key()) for obj in model._default_manager.all()}
    return keys[model][pk]


def dump(fixtures_dir=None, seeds_dir=None):
    """Write the database's curated data to ``fixtures_dir`` and every source's text to its
    seed file in ``seeds_dir`` (by default the repository's). A file whose content is already
    what it would be written is left untouched: the articles, as received, stay byte for byte
    what they were. Returns (the files written, the seed files no source names)."""
    fixtures_dir = Path(fixtures_dir or default_fixtures_dir())
    seeds_dir = Path(seeds_dir or settings.SEEDS_DIR)
    fixtures_dir.mkdir(parents=True, exist_ok=True)
    seeds_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in fixture_files().items():
        path, content = fixtures_dir / name, content.encode("utf-8")
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            written.append(path)
    seed_files = set()
    for seed_file, text in Source.objects.order_by("pk").values_list("seed_file", "text"):
        if not seed_file or Path(seed_file).name != seed_file:
            raise ValueError(f"Not a file name under seeds/: {seed_file!r}")
        seed_files.add(seed_file)
        path = seeds_dir / seed_file
        # Compared as the fixture tests read it: a file they find equal is not rewritten.
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_bytes(text.encode("utf-8"))
            written.append(path)
    unnamed = sorted(path for path in seeds_dir.glob("*.txt") if path.name not in seed_files)
    return written, unnamed
