"""The timeline's data: sources, the actors and places they name, events, the citations and
figures that tie every statement to a source's exact words, and where the sources differ.

One module per part (common, sources, events, differences, changes, versions); everything is
importable from ``timeline.models``."""

from timeline.models.changes import EventChange
from timeline.models.common import (
    MAX_FIGURE,
    MAX_SPAN,
    TEXT_LIMITS,
    TIMELINE_START,
    DateBasis,
    Quoted,
    QuotedPassage,
    SlugQuerySet,
    Status,
    Versioned,
    broken_quotes,
    detail_url,
    find_passage,
    in_words,
    nearest_passage,
    refresh_all_text_fragments,
    span_in_words,
)
from timeline.models.differences import Difference, Position, PositionRelation
from timeline.models.events import (
    Citation,
    Corroboration,
    Event,
    EventDates,
    EventQuerySet,
    Figure,
    SearchEntry,
    claimed_by_a_party,
)
from timeline.models.sources import Actor, Coverage, NamedEntity, Place, Source
from timeline.models.versions import CURATED_MODELS, DataVersion

__all__ = [
    "CURATED_MODELS",
    "MAX_FIGURE",
    "MAX_SPAN",
    "TEXT_LIMITS",
    "TIMELINE_START",
    "Actor",
    "Citation",
    "Corroboration",
    "Coverage",
    "DataVersion",
    "DateBasis",
    "Difference",
    "Event",
    "EventChange",
    "EventDates",
    "EventQuerySet",
    "Figure",
    "NamedEntity",
    "Place",
    "Position",
    "PositionRelation",
    "Quoted",
    "QuotedPassage",
    "SearchEntry",
    "SlugQuerySet",
    "Source",
    "Status",
    "Versioned",
    "broken_quotes",
    "claimed_by_a_party",
    "detail_url",
    "find_passage",
    "in_words",
    "nearest_passage",
    "refresh_all_text_fragments",
    "span_in_words",
]
