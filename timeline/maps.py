"""Maps of where the selected events happened, drawn on the server: the base map is a static
SVG (static/map/central-asia.svg, made by scripts/build_map.py), and each place with
coordinates gets a marker, sized by its number of events in the current selection and
linking to that place's timeline. Places without a point (countries, regions) are listed."""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Count

from timeline.models import Event, Place
from timeline.projection import to_drawing

DRAWING = Path(__file__).resolve().parent / "data" / "map.json"
SMALLEST, LARGEST = 4, 16  # marker radius, in the drawing's units
NO_POINT_KINDS = {Place.Kind.COUNTRY, Place.Kind.REGION}


@cache
def drawing():
    return json.loads(DRAWING.read_text())


@dataclass
class Marker:
    place: Place
    count: int
    query: str
    x: float = 0
    y: float = 0
    r: float = SMALLEST

    @property
    def label(self):
        return f"{self.place.name}: {self.count} event{'' if self.count == 1 else 's'}"


@dataclass
class Unplaced:
    """A place with events but no marker: a region or country (no single point stands for it), a
    site whose exact position the articles do not give, or a city beyond the map's edges."""

    place: Place
    count: int
    query: str
    why: str


@dataclass
class SelectionMap:
    markers: list  # places with a point, largest first, so that small markers are drawn on top
    unplaced: list  # Unplaced, most events first
    width: int
    height: int

    @property
    def places(self):
        """Every place with events, most events first: the map's text equivalent, as
        (place, count, query, why it has no marker or "")."""
        listed = [(m.place, m.count, m.query, "") for m in self.markers]
        listed += [(u.place, u.count, u.query, u.why) for u in self.unplaced]
        return sorted(listed, key=lambda item: (-item[1], item[0].name))


def selection_map(events, query_for_place):
    """The map of ``events`` (a queryset of the current selection). ``query_for_place(place)``
    gives the query string of that place's timeline, the current filters kept."""
    counts = dict(
        Event.places.through.objects.filter(event__in=events.values("pk"))
        .values_list("place_id")
        .annotate(n=Count("event_id"))
        .order_by()
    )
    size = drawing()
    largest = max(counts.values(), default=1)
    markers, unplaced = [], []
    for place in Place.objects.filter(pk__in=counts).order_by("name"):
        count, query = counts[place.pk], query_for_place(place)
        if not place.has_coordinates:
            why = "no single point" if place.kind in NO_POINT_KINDS else "its exact position is not known"
            unplaced.append(Unplaced(place, count, query, why))
            continue
        x, y = to_drawing(float(place.longitude), float(place.latitude), size["projection"])
        if not (0 <= x <= size["width"] and 0 <= y <= size["height"]):
            unplaced.append(Unplaced(place, count, query, "beyond this map's edges"))
            continue
        # The marker's area, not its radius, is in proportion to the number of events (but
        # never too small to see; the list beside the map is the way in on a small screen).
        r = max(SMALLEST, LARGEST * math.sqrt(count / largest))
        markers.append(Marker(place, count, query, round(x, 1), round(y, 1), round(r, 1)))
    markers.sort(key=lambda marker: -marker.r)
    unplaced.sort(key=lambda item: (-item.count, item.place.name))
    return SelectionMap(markers, unplaced, size["width"], size["height"])
