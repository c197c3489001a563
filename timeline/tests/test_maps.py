"""The maps: a marker per place with a point, sized and linked for the current selection; the
places without one listed; the base map reproducible from Natural Earth."""

import json
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings

from timeline.maps import DRAWING, drawing
from timeline.models import Event, Place
from timeline.projection import to_drawing

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(make_event):
    """Almaty (a point, two events: one violent, one economic), Taldykorgan (a point, one
    violent event), Mangystau Region (no point) and Moscow (a point beyond the map)."""
    almaty = Place.objects.create(slug="almaty", name="Almaty", kind="city", latitude=Decimal("43.24"),
                                  longitude=Decimal("76.915"))  # fmt: skip
    taldykorgan = Place.objects.create(slug="taldykorgan", name="Taldykorgan", kind="city",
                                       latitude=Decimal("45.01667"), longitude=Decimal("78.36667"))  # fmt: skip
    mangystau = Place.objects.create(slug="mangystau", name="Mangystau Region", kind="region")
    moscow = Place.objects.create(slug="moscow", name="Moscow", kind="city", latitude=Decimal("55.75583"),
                                  longitude=Decimal("37.61722"))  # fmt: skip
    make_event(slug="storming").places.set([almaty])
    make_event(slug="prices", category="economy").places.set([almaty, mangystau])
    make_event(slug="statue").places.set([taldykorgan])
    make_event(slug="kremlin").places.set([moscow])
    make_event(slug="draft", status=Event.Status.DRAFT).places.set([taldykorgan])  # never counted
    return almaty, taldykorgan, mangystau, moscow


def markers(html):
    """{title: (href, radius)} of the map's markers."""
    found = re.findall(
        r'<a href="([^"]+)" class="marker"><title>([^<]+)</title><circle cx="[^"]+" cy="[^"]+" r="([^"]+)"', html
    )
    return {title: (href.replace("&amp;", "&"), float(r)) for href, title, r in found}


def test_each_place_with_a_point_has_a_marker_sized_by_its_events_and_linked_to_its_timeline(client, places):
    html = client.get("/map/").content.decode()
    found = markers(html)
    assert set(found) == {"Almaty: 2 events", "Taldykorgan: 1 event"}  # Moscow lies beyond the map
    assert found["Almaty: 2 events"][0] == "/?place=almaty"
    almaty, taldykorgan = found["Almaty: 2 events"][1], found["Taldykorgan: 1 event"][1]
    assert almaty > taldykorgan  # by area: twice the events, twice the disc
    assert almaty**2 / taldykorgan**2 == pytest.approx(2, rel=0.05)


def test_the_map_counts_only_the_selection_and_its_links_keep_the_filters(client, places):
    found = markers(client.get("/map/?category=violence").content.decode())
    assert set(found) == {"Almaty: 1 event", "Taldykorgan: 1 event"}
    assert found["Almaty: 1 event"][0] == "/?category=violence&place=almaty"
    assert markers(client.get("/map/?category=economy").content.decode()).keys() == {"Almaty: 1 event"}


def test_places_without_a_point_are_listed_beside_the_map_with_why(client, places):
    html = client.get("/map/").content.decode()
    unplaced = html.split('class="map-unplaced"')[1].split("</p>")[0]
    assert '<a href="/?place=mangystau">Mangystau Region</a> (1 event, no single point)' in unplaced
    assert '<a href="/?place=moscow">Moscow</a> (1 event, beyond this map&#x27;s edges)' in unplaced
    assert "Taldykorgan" not in unplaced


def test_the_maps_text_equivalent_lists_every_place_and_its_count(client, places):
    listed = client.get("/map/").content.decode().split('class="map-list"')[1].split("</details>")[0]
    items = re.findall(r'<li><a href="[^"]+">([^<]+)</a>: (\d+) events?', listed)
    assert items == [("Almaty", "2"), ("Mangystau Region", "1"), ("Moscow", "1"), ("Taldykorgan", "1")]


def test_the_timeline_has_a_small_map_of_its_selection_swapped_with_the_results(client, places):
    page = client.get("/?category=violence").content.decode()
    assert markers(page).keys() == {"Almaty: 1 event", "Taldykorgan: 1 event"}
    fragment = client.get("/?category=economy", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="results"')
    assert markers(fragment).keys() == {"Almaty: 1 event"}
    assert 'href="/map/?category=economy"' in fragment  # the large map of the same selection


def test_the_map_refuses_filters_it_cannot_read(client, places):
    response = client.get("/map/?start=the day after&place=atlantis")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Check the filters" in html and 'class="marker"' not in html


def test_a_selection_without_places_says_so(client, places):
    html = client.get("/map/?category=international").content.decode()
    assert not markers(html)
    assert "No event in this selection has a place." in html


def test_markers_fall_where_the_places_are():
    """Almaty lies in the south-east of the drawing, Aktau (on the Caspian) in its west."""
    size = drawing()
    x, y = to_drawing(76.915, 43.24, size["projection"])
    assert size["width"] * 0.6 < x < size["width"] and size["height"] * 0.5 < y < size["height"]
    x, y = to_drawing(51.17, 43.65, size["projection"])
    assert 0 < x < size["width"] * 0.25


@pytest.mark.browser
def test_the_base_map_is_made_by_the_script_in_the_repository(tmp_path):
    """scripts/build_map.py, run on the pinned Natural Earth data (npm world-atlas), writes the
    committed files exactly."""
    committed = {path: path.read_bytes() for path in (DRAWING, settings.BASE_DIR / "static/map/central-asia.svg")}
    try:
        subprocess.run([sys.executable, "scripts/build_map.py"], cwd=settings.BASE_DIR, check=True, capture_output=True)
        for path, content in committed.items():
            assert path.read_bytes() == content, f"{path.name} differs from what the script makes"
    finally:
        for path, content in committed.items():
            path.write_bytes(content)
    assert json.loads(DRAWING.read_text())["projection"]["name"] == "Albers equal-area conic"
