"""Read a timeline.json (the JSON export) back into the database: validate all of
it first (schema, references, every quote in its source, the models' own rules),
then upsert by id in one transaction, through timeline.editing, or write nothing at all.

The import keeps the public record: a change to a published event needs a public note (the
event's own "change_note" in the file, or the import's note), and so does bringing back an
event that was taken down; without one the whole import is refused, listing the events.
Citations, figures and positions are updated in place, matched by their source and words,
so that their ids, and with them links to #c123 and annotation ids, stay the same."""

import collections
import datetime
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import jsonschema
from django.core.exceptions import ValidationError
from django.db import transaction

from timeline import editing
from timeline.exports.json import SCHEMA_PATH
from timeline.models import (
    Actor,
    Citation,
    DateBasis,
    Difference,
    Event,
    Figure,
    Place,
    Position,
    PositionRelation,
    Source,
    Status,
    refresh_all_text_fragments,
)

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
COLLECTIONS = {"sources": Source, "actors": Actor, "places": Place, "events": Event, "differences": Difference}


@dataclass(frozen=True)
class Problem:
    where: str  # "event 'cabinet-resigns', citations[0].quote"
    message: str

    def __str__(self):
        return f"{self.where}: {self.message}"


def _where(doc, path):
    """A readable location for a JSON path: the item's id where it has one."""
    path = list(path)
    if len(path) >= 2 and path[0] in COLLECTIONS and isinstance(path[1], int):
        item = doc[path[0]][path[1]]
        label = path[0][:-1]
        name = f"{label} {item.get('id')!r}" if isinstance(item, dict) and item.get("id") else f"{label} #{path[1]}"
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:]).lstrip(".")
        return f"{name}, {rest}" if rest else name
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "document"


#: What a file to import may be: far above the whole collection's export (about 1 MB), far below
#: what would take the importing process's memory (a 50 MB summary took about 1 GB).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: The schema nests six levels deep; a deeper document is no export.
MAX_DEPTH = 20
#: The longest number a file may write: any bound in the schema fits in far fewer digits, and
#: Python refuses to read integers of more than 4,300 digits anyway.
MAX_NUMBER_CHARACTERS = 30
#: Integers the databases store (64-bit); the schema bounds each field more tightly.
LARGEST_INTEGER = 2**63 - 1
#: Lone surrogates (no character at all: no database can store them), NUL (SQLite stores it,
#: PostgreSQL refuses it) and the other C0 control characters but tab, line feed and carriage return.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class _Unreadable(ValueError):
    """A number the reader refuses while parsing: what JSON allows and no field can hold."""


def _number(text):
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise _Unreadable(f"a number of {len(text):,} characters (at most {MAX_NUMBER_CHARACTERS})")
    return text


def _int(text):
    return int(_number(text))


def _float(text):
    number = float(_number(text))
    if not math.isfinite(number):
        raise _Unreadable(f"the number {text} is too large to store")
    return number


def _constant(name):
    raise _Unreadable(f"{name} is no number JSON allows")


def parse(data, *, max_bytes=MAX_FILE_BYTES):
    """``(document, problems)`` from the bytes (or text) of a file: a document only when it could be
    read as JSON within the limits; then ``validate`` it."""
    if len(data) > max_bytes:
        return None, [Problem("file", f"{len(data):,} bytes, more than the limit of {max_bytes:,}")]
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            return None, [Problem(f"byte {error.start:,}", f"not UTF-8 ({error.reason})")]
    try:
        return json.loads(data, parse_int=_int, parse_float=_float, parse_constant=_constant), []
    except json.JSONDecodeError as error:
        return None, [Problem(f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}")]
    except _Unreadable as error:
        return None, [Problem("document", str(error))]
    except RecursionError:
        return None, [Problem("document", f"nested more than {MAX_DEPTH} levels deep")]


def content_problems(doc):
    """Every value no field can hold, wherever the schema would not look or would fail on it:
    nesting beyond MAX_DEPTH, integers beyond 64 bits, numbers that are not finite, and text with
    lone surrogates or control characters. Iterative: a deep document cannot exhaust the stack."""
    problems = []
    stack = [(doc, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            problems.append(Problem(_where(doc, path[:MAX_DEPTH]), f"nested more than {MAX_DEPTH} levels deep"))
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (bad := FORBIDDEN_CHARACTERS.search(key)):
                    problems.append(Problem(_where(doc, path), f"a key holds {_character(bad)}"))
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, number)) for number, item in enumerate(value))
        elif isinstance(value, str):
            if bad := FORBIDDEN_CHARACTERS.search(value):
                problems.append(Problem(_where(doc, path), f"{_character(bad)} at character {bad.start() + 1:,}"))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not -LARGEST_INTEGER <= value <= LARGEST_INTEGER:
                problems.append(Problem(_where(doc, path), "a number too large to store"))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(Problem(_where(doc, path), f"{value} is no number JSON allows"))
    return sorted(problems, key=str)


def _character(match):
    character = match.group()
    if "\ud800" <= character <= "\udfff":
        return f"a lone surrogate (U+{ord(character):04X}, half of a character)"
    return f"a control character (U+{ord(character):04X})"


def schema_problems(doc):
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [Problem(_where(doc, e.absolute_path), _schema_message(e)) for e in validator.iter_errors(doc)]


def _schema_message(error):
    """jsonschema's message, without the whole offending value in it (a summary of 50 MB)."""
    if error.validator == "maxLength":
        return f"{len(error.instance):,} characters, more than the {error.validator_value:,} allowed"
    return error.message if len(error.message) <= 300 else f"{error.message[:300]}…"


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


#: What an export writes of a passage that is worked out from the rest, not read back.
DERIVED = ("original_url",)


def build_source(row):
    fields = {
        k: row.get(k, "")
        for k in ("title", "outlet", "origin", "authors", "published_on_basis", "url", "url_basis", "kind", "text")
    }
    # Exports leave out the file a source was curated from (an internal name): keep this copy's own,
    # or name the new source's after its id.
    saved_file = Source.objects.filter(slug=row["id"]).values_list("seed_file", flat=True).first()
    fields["seed_file"] = row.get("seed_file") or saved_file or f"{row['id']}.txt"
    fields["rights_holder"] = (
        row.get("rights_holder") or fields["origin"] or fields["outlet"] or "its publisher (not named in the copy)"
    )
    fields["published_on_basis_kind"] = row.get("published_on_basis_kind", DateBasis.STATED)
    fields["edition"] = row.get("edition", 1)
    fields["party_to_conflict"] = row.get("party_to_conflict", False)
    return Source(
        slug=row["id"],
        title_supplied=row.get("title_supplied", False),
        published_on=_date(row["published_on"]),
        **fields,
    )


def _decimal(value):
    return None if value is None else Decimal(str(value))  # str(): 43.238, not 43.2379999999999995452526491135...


def build_named(model, row):
    if model is Place:
        extra = {"latitude": _decimal(row["latitude"]), "longitude": _decimal(row["longitude"])}
    else:
        extra = {"party_to_conflict": row.get("party_to_conflict", False)}
    return model(
        slug=row["id"],
        name=row["name"],
        kind=row["kind"],
        aliases=row["aliases"],
        description=row.get("description", ""),
        **extra,
    )


def build_event(row):
    """The event a row describes, over the saved one with its id (keeping its version), or new."""
    event = Event.objects.filter(slug=row["id"]).first() or Event(slug=row["id"])
    for name, value in {
        "slug": row["id"],
        "title": row["title"],
        "summary": row["summary"],
        "category": row["category"],
        "date": _date(row["date"]),
        "end_date": _date(row["end_date"]),
        "date_precision": row["date_precision"],
        "date_basis": row["date_basis"],
        "date_basis_note": row.get("date_basis_note", ""),
        "time": datetime.time.fromisoformat(row["time"]) if row["time"] else None,
        "time_note": row.get("time_note", ""),
        "day_order": row.get("day_order", 0),
        "status": Event.Status.PUBLISHED,
    }.items():
        setattr(event, name, value)
    return event


def _model_problems(where, instance, exclude=()):
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            Problem(f"{where}, {field}" if field != "__all__" else where, " ".join(messages))
            for field, messages in error.message_dict.items()
        ]
    return []


def validate(doc):
    """Every problem in ``doc`` with where it is; an empty list means it can be imported."""
    problems = content_problems(doc) or schema_problems(doc)
    if problems:
        return problems  # the checks below rely on the document's shape

    for key in COLLECTIONS:
        for item_id, count in Counter(item["id"] for item in doc.get(key, [])).items():
            if count > 1:
                problems.append(Problem(f"{key[:-1]} {item_id!r}", f"the id appears {count} times in {key}"))

    sources = {s.slug: s for s in Source.objects.all()}
    for number, row in enumerate(doc["sources"]):
        if "text" not in row and row["id"] not in sources:
            problems.append(Problem(_where(doc, ["sources", number]), "a new source needs its full text"))
            continue
        source = build_source(row) if "text" in row else sources[row["id"]]
        problems += _model_problems(_where(doc, ["sources", number]), source)
        sources[row["id"]] = source
    known = {
        "actors": set(Actor.objects.values_list("slug", flat=True)),
        "places": set(Place.objects.values_list("slug", flat=True)),
    }
    for key, model in (("actors", Actor), ("places", Place)):
        for number, row in enumerate(doc[key]):
            problems += _model_problems(_where(doc, [key, number]), build_named(model, row))
            known[key].add(row["id"])

    for number, row in enumerate(doc["events"]):
        where = _where(doc, ["events", number])
        for key in ("actors", "places"):
            for ref in row[key]:
                if ref not in known[key]:
                    problems.append(Problem(f"{where}, {key}", f"no {key[:-1]} has the id {ref!r}"))
        cited = []
        for kind, model in (("citations", Citation), ("figures", Figure)):
            for position, item in enumerate(row[kind]):
                source = sources.get(item["source"])
                if source is None:
                    problems.append(
                        Problem(f"{where}, {kind}[{position}].source", f"no source has the id {item['source']!r}")
                    )
                    continue
                fields = {k: v for k, v in item.items() if k not in ("source", "id", *DERIVED)}
                if model is Figure:
                    fields["reported_on"] = _date(fields["reported_on"])
                claimant = fields.pop("claimant", None)
                if claimant and claimant not in known["actors"]:
                    where_claimant = f"{where}, {kind}[{position}].claimant"
                    problems.append(Problem(where_claimant, f"no actor has the id {claimant!r}"))
                problems += _model_problems(
                    f"{where}, {kind}[{position}]",
                    model(source=source, **fields),
                    # The source, and a claimant, may not be saved yet.
                    exclude=["event", "source", "claimant"],
                )
                if model is Citation:
                    cited.append(source)
        event = build_event(row)
        problems += _model_problems(where, event)
        problems += [Problem(f"{where}, {field}", message) for field, message in event.citation_errors(cited).items()]
    problems += _difference_problems(doc, sources)
    return problems


def _difference_problems(doc, sources):
    """What is wrong with the document's differences: unknown events, figures or sources,
    relations between positions they do not hold, quotes not in their sources."""
    problems = []
    events = {row["id"] for row in doc["events"]} | set(Event.objects.values_list("slug", flat=True))
    figures = {figure["id"] for row in doc["events"] for figure in row["figures"] if "id" in figure}
    for number, row in enumerate(doc.get("differences", [])):
        where = _where(doc, ["differences", number])
        difference = Difference(slug=row["id"], topic=row["topic"], kind=row["kind"], subject=row.get("subject", ""))
        problems += _model_problems(where, difference)
        problems += [
            Problem(f"{where}, events", f"no event has the id {ref!r}") for ref in row["events"] if ref not in events
        ]
        for ref in row.get("figures", []):
            if ref not in figures:
                problems.append(Problem(f"{where}, figures", f"no figure of the document has the id {ref!r}"))
        for position_number, item in enumerate(row["positions"]):
            source = sources.get(item["source"])
            if source is None:
                problems.append(
                    Problem(f"{where}, positions[{position_number}].source", f"no source has the id {item['source']!r}")
                )
                continue
            position = Position(source=source, **{k: v for k, v in item.items() if k not in ("id", "source", *DERIVED)})
            problems += _model_problems(
                f"{where}, positions[{position_number}]", position, exclude=["difference", "source"]
            )
        positions = {item["id"] for item in row["positions"]}
        for relation in row["relations"]:
            for end in ("from", "to"):
                if relation[end] not in positions:
                    problems.append(
                        Problem(f"{where}, relations", f"no position of this difference has the id {relation[end]!r}")
                    )
    return problems


@dataclass
class Summary:
    created: Counter
    updated: Counter
    changes: list  # the public changes recorded (or, in a dry run, that would be)

    def __str__(self):
        return "; ".join(f"{key}: {self.created[key]} created, {self.updated[key]} updated" for key in COLLECTIONS)


class Refused(Exception):
    """The import would break the public record's rules: nothing was written."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} event(s) refused")
        self.problems = problems


class _DryRun(Exception):
    """Undoes a dry run's writes, carrying what it would have done."""

    def __init__(self, summary):
        self.summary = summary


def _upsert(instance, summary, key):
    """Save the unsaved ``instance`` over the row with its slug, or as a new row."""
    model = type(instance)
    fields = {
        f.attname: getattr(instance, f.attname)
        for f in model._meta.concrete_fields
        if f.name not in ("id", "slug", "version")  # a row's version moves on by itself
    }
    saved, created = model.objects.update_or_create(slug=instance.slug, defaults=fields)
    (summary.created if created else summary.updated)[key] += 1
    return saved


def update_in_place(existing, wanted, key, fields):
    """Make the rows ``existing`` (saved) into ``wanted`` (unsaved): a wanted row with the key of
    a saved one updates it, keeping its id; the others are created; saved rows no longer wanted
    are deleted. Returns the rows, saved or created, in the order of ``wanted``."""
    saved_by_key = collections.defaultdict(list)
    for row in existing:
        saved_by_key[key(row)].append(row)
    result, changed, new = [], [], []
    for row in wanted:
        matches = saved_by_key.get(key(row))
        if matches:
            saved = matches.pop(0)
            if any(getattr(saved, name) != getattr(row, name) for name in fields):
                for name in fields:
                    setattr(saved, name, getattr(row, name))
                changed.append(saved)
            result.append(saved)
        else:
            new.append(row)
            result.append(row)
    model = type(wanted[0]) if wanted else type(existing[0]) if existing else None
    if model is None:
        return result
    gone = [row.pk for rows in saved_by_key.values() for row in rows]
    if gone:
        model.objects.filter(pk__in=gone).delete()
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=500)
    model.objects.bulk_create(new)
    return result


def _citations_of(row, event, source_of, lookup):
    return [
        Citation(
            event=event,
            source=source_of[c["source"]],
            quote=c["quote"],
            note=c.get("note", ""),
            claimant=lookup(Actor, "actors", c["claimant"]) if c.get("claimant") else None,
        )
        for c in row["citations"]
    ]


def _figures_of(row, event, source_of, lookup):
    return [
        Figure(
            event=event,
            source=source_of[f["source"]],
            measure=f["measure"],
            value=f["value"],
            qualifier=f["qualifier"],
            claimant=lookup(Actor, "actors", f["claimant"]) if f.get("claimant") else None,
            claimant_words=f.get("claimant_words", ""),
            reported_on=_date(f["reported_on"]),
            scope=f.get("scope", ""),
            quote=f["quote"],
            note=f.get("note", ""),
        )
        for f in row["figures"]
    ]


def _passage_key(passage):
    return (passage.source_id, passage.quote, getattr(passage, "measure", None))


def _fields(model):
    return [f.attname for f in model._meta.concrete_fields if f.editable and f.name not in ("id", "event")]


def import_document(doc, *, note="", dry_run=False, progress=None, progress_every=1000):
    """Upsert everything in a validated ``doc`` through timeline.editing, in one transaction.
    ``note``: the public note for changes to published events that carry none of their own.
    Raises Refused (nothing written) when a change the public record needs a note for has
    none. ``dry_run``: do it all, report it, and undo it. ``progress(done, total)`` is called
    as events go in."""
    try:
        with transaction.atomic():
            summary = _import(doc, note, progress, progress_every)
            if dry_run:
                raise _DryRun(summary)
    except _DryRun as undone:
        return undone.summary
    return summary


def _import(doc, note, progress, progress_every):
    summary = Summary(Counter(), Counter(), [])
    figure_of = {}  # a figure's id in the document: the figure it became
    sources = {row["id"]: _upsert(build_source(row), summary, "sources") for row in doc["sources"] if "text" in row}
    named = {}
    for key, model in (("actors", Actor), ("places", Place)):
        for row in doc[key]:
            named[key, row["id"]] = _upsert(build_named(model, row), summary, key)

    def lookup(model, key, ref):
        return named.get((key, ref)) or model.objects.get(slug=ref)

    refused, event_ids = [], []
    total = len(doc["events"])
    for number, row in enumerate(doc["events"], start=1):
        event = build_event(row)
        (summary.updated if event.pk else summary.created)["events"] += 1
        source_of = {
            ref: sources.get(ref) or Source.objects.get(slug=ref)
            for ref in {i["source"] for i in (*row["citations"], *row["figures"])}
        }
        figures = []

        def write_related(event, row=row, source_of=source_of, figures=figures):
            event.actors.set([lookup(Actor, "actors", ref) for ref in row["actors"]])
            event.places.set([lookup(Place, "places", ref) for ref in row["places"]])
            update_in_place(
                list(event.citations.all()),
                _citations_of(row, event, source_of, lookup),
                _passage_key,
                _fields(Citation),
            )
            figures += update_in_place(
                list(event.figures.all()), _figures_of(row, event, source_of, lookup), _passage_key, _fields(Figure)
            )

        try:
            with transaction.atomic():
                change = editing.save_event(
                    event, note=row.get("change_note") or note, write_related=write_related, reindex=False
                )
        except ValidationError as error:
            refused.append(Problem(f"event {row['id']!r}", editing.in_words(error)))
            continue
        event_ids.append(event.pk)
        if change is not None:
            summary.changes.append(change)
        figure_of |= {f["id"]: figure for f, figure in zip(row["figures"], figures, strict=True) if "id" in f}
        if progress and (number % progress_every == 0 or number == total):
            progress(number, total)
    if refused:
        raise Refused(refused)
    for row in doc.get("differences", []):
        _import_difference(row, summary, figure_of, sources)
    refresh_all_text_fragments()  # bulk writes do not call save(), where a passage gets its link
    editing.data_changed(event_ids=event_ids)
    return summary


def _import_difference(row, summary, figure_of, sources):
    """Upsert a difference by id, replacing its positions and their relations."""
    fields = {
        "topic": row["topic"],
        "kind": row["kind"],
        "subject": row.get("subject", ""),
        "note": row.get("note", ""),
    }
    difference = _upsert(Difference(slug=row["id"], status=Status.PUBLISHED, **fields), summary, "differences")
    difference.events.set(Event.objects.filter(slug__in=row["events"]))
    difference.figures.set([figure_of[ref] for ref in row.get("figures", [])])
    wanted = [
        Position(
            difference=difference,
            source=sources.get(item["source"]) or Source.objects.get(slug=item["source"]),
            quote=item["quote"],
            reading=item["reading"],
            claimant=item["claimant"],
            note=item.get("note", ""),
            order=item.get("order", 0),
        )
        for item in row["positions"]
    ]
    difference.relations.all().delete()  # relations are re-made between the positions kept
    fields = [f.attname for f in Position._meta.concrete_fields if f.editable and f.name not in ("id", "difference")]
    positions = update_in_place(list(difference.positions.all()), wanted, _passage_key, fields)
    position_of = {item["id"]: position for item, position in zip(row["positions"], positions, strict=True)}
    PositionRelation.objects.bulk_create(
        PositionRelation(
            difference=difference,
            from_position=position_of[relation["from"]],
            to_position=position_of[relation["to"]],
            type=relation["type"],
        )
        for relation in row["relations"]
    )
