"""The CSV exports: one row per event in the spirit of ACLED's columns, one per figure and
one per position of a difference, every cell made safe for spreadsheets."""

from timeline.exports.json import difference_dict, differences_of
from timeline.exports.rows import WITHHELD_SUMMARY, event_records, iso, site_address, summary_as_known
from timeline.models import Event, Figure, Place

EVENT_COLUMNS = [
    "event_id",
    "event_date",
    "end_date",
    "date_precision",
    "date_basis",
    "date_basis_note",
    "time",
    "category",
    "title",
    "actors",
    "actor_ids",
    "places",
    "place_ids",
    "latitude",
    "longitude",
    "source_ids",
    "citations",
    "independent_origins",
    "summary",
    "url",
    "corroboration",
    "parties_only",
]
FIGURE_COLUMNS = [
    "event_id",
    "measure",
    "measure_label",
    "value",
    "qualifier",
    "claimant",
    "claimant_id",
    "claimant_words",
    "reported_on",
    "source_id",
    "source_origin",
    "quote",
    "note",
]
PLACE_SPECIFICITY = [Place.Kind.SITE, Place.Kind.CITY, Place.Kind.REGION, Place.Kind.COUNTRY]


FORMULA_STARTS = frozenset("=+-@\t\r")


def spreadsheet_safe(row):
    """The row with every text cell that a spreadsheet would run as a formula (=, +, -, @
    first) given a leading apostrophe, as OWASP advises against CSV injection. Written as
    one comprehension: it runs for every cell of every export."""
    return [f"'{cell}" if type(cell) is str and cell[:1] in FORMULA_STARTS else cell for cell in row]


def _located_place(event):
    """The most specific of the event's places with coordinates, for the latitude and
    longitude columns (ACLED gives one location per event)."""
    located = [p for p in event.places if p.has_coordinates]
    return min(located, key=lambda p: PLACE_SPECIFICITY.index(p.kind), default=None)


def event_rows(events=None, *, known_on=None, site_url=None):
    if events is None:
        events = Event.objects.published()
    site_url = site_address(site_url)
    yield EVENT_COLUMNS
    # Counts and sources of the citations, not their words; figures only to tell later reporting.
    read = {"links", "figures"} if known_on else {"links"}
    for event in event_records(events, known_on, read=read):
        sources = [c.source for c in event.citations]
        corroboration = event.corroboration
        place = _located_place(event)
        row = [
            event.slug,
            event.date.isoformat(),
            event.end_date.isoformat() if event.end_date else "",
            event.date_precision,
            event.date_basis,
            event.date_basis_note,
            event.time.strftime("%H:%M") if event.time else "",
            event.category,
            event.title,
            "; ".join([a.name for a in event.actors]),
            ";".join([a.slug for a in event.actors]),
            "; ".join([p.name for p in event.places]),
            ";".join([p.slug for p in event.places]),
            place.latitude if place else "",
            place.longitude if place else "",
            ";".join(dict.fromkeys([s.slug for s in sources])),
            corroboration.passages,
            corroboration.origins,
            summary_as_known(event) or WITHHELD_SUMMARY,
            site_url + event.path,
            corroboration.level.value,
            corroboration.parties_only,
        ]
        yield spreadsheet_safe(row)


def figure_rows(events=None, *, known_on=None):
    if events is None:
        events = Event.objects.published()
    yield FIGURE_COLUMNS
    for event in event_records(events, known_on, read={"figures"}):
        for figure in event.figures:
            row = [
                event.slug,
                figure.measure,
                Figure.Measure(figure.measure).label,
                "" if figure.value is None else figure.value,
                figure.qualifier,
                figure.claimant_actor.name if figure.claimant_actor else "",
                figure.claimant_actor.slug if figure.claimant_actor else "",
                figure.claimant_words,
                iso(figure.reported_on),
                figure.source.slug,
                figure.source.independent_origin,
                figure.quote,
                figure.note,
            ]
            yield spreadsheet_safe(row)


DIFFERENCE_COLUMNS = [
    "difference_id", "topic", "kind", "subject", "position_id", "source_id", "source_origin", "reading",
    "claimant", "quote", "note", "relations", "event_ids", "url",
]  # fmt: skip


def difference_rows(events=None, *, known_on=None, site_url=None):
    """differences.csv: one row per position, with its difference and how it relates to others."""
    if events is None:
        events = Event.objects.published()
    site_url = site_address(site_url)
    yield DIFFERENCE_COLUMNS
    differences, figure_ids = differences_of(events, known_on)
    for difference in differences:
        row = difference_dict(difference, figure_ids)
        for number, position in enumerate(difference.positions.all(), start=1):
            relations = [
                f"{r['type']} {r['to']}" for r in row["relations"] if r["from"] == row["positions"][number - 1]["id"]
            ]
            yield spreadsheet_safe(
                [
                    difference.slug,
                    difference.topic,
                    difference.kind,
                    difference.subject,
                    row["positions"][number - 1]["id"],
                    position.source.slug,
                    position.source.independent_origin,
                    position.reading,
                    position.claimant,
                    position.quote,
                    position.note,
                    "; ".join(relations),
                    ";".join(row["events"]),
                    site_url + difference.get_absolute_url(),
                ]
            )
