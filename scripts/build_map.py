"""Build the base map: Kazakhstan and its neighbours, projected once, here, so that the site
draws its maps on the server with no tiles and no map library at run time.

    .venv/bin/python scripts/build_map.py [node_modules/world-atlas/countries-50m.json]

It writes static/map/central-asia.svg (the countries and their names, a static file the
browser caches) and timeline/data/map.json (the projection and the drawing's size, which
timeline/maps.py uses to place the markers of the places on it).

The boundaries are Natural Earth's (public domain) at 1:50 million, as the npm package
world-atlas 2.0.2 ships them in TopoJSON (a test-only dependency in package.json). The
projection is an Albers equal-area conic fitted to the region (standard parallels 40°N and
52°N, centred on 68°E, 46°N): areas are true to scale, shapes little distorted across Central
Asia. timeline/maps.py projects the places with the same parameters, read from the output;
a test checks that this script reproduces the committed file exactly."""

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from timeline.projection import albers, to_drawing  # noqa: E402 (the repository's root is now importable)

SOURCE = ROOT / "node_modules" / "world-atlas" / "countries-50m.json"
OUTPUT = ROOT / "timeline" / "data" / "map.json"
SVG = ROOT / "static" / "map" / "central-asia.svg"

PARAMETERS = {"parallels": [40, 52], "lon0": 68, "lat0": 46}
PROJECTION = {"name": "Albers equal-area conic", **PARAMETERS}
VIEW = {"west": 46.0, "east": 88.5, "south": 36.0, "north": 56.5}  # degrees: what the map shows
WIDTH = 800  # SVG units; the height follows from the region's shape
TOLERANCE = 0.6  # SVG units: points closer than this to the last kept one are dropped
#: The countries drawn, with where their label goes (lon, lat); Kazakhstan first.
COUNTRIES = {
    "Kazakhstan": (67.5, 48.2),
    "Russia": (62.0, 54.8),
    "China": (84.0, 41.5),
    "Kyrgyzstan": (74.7, 41.4),
    "Uzbekistan": (63.5, 41.9),
    "Turkmenistan": (58.5, 39.2),
    "Tajikistan": (71.0, 38.7),
    "Mongolia": None,
    "Afghanistan": (65.5, 36.9),
    "Iran": (54.5, 37.0),
    "Azerbaijan": (47.7, 40.3),
    "Georgia": None,
    "Armenia": None,
    "Pakistan": None,
}


def fit():
    """Scale and offsets that put the VIEW's projected extent into WIDTH units across."""
    edge = [(VIEW["west"] + (VIEW["east"] - VIEW["west"]) * i / 20, lat) for i in range(21) for lat in
            (VIEW["south"], VIEW["north"])]  # fmt: skip
    edge += [(lon, VIEW["south"] + (VIEW["north"] - VIEW["south"]) * i / 20) for i in range(21) for lon in
             (VIEW["west"], VIEW["east"])]  # fmt: skip
    xs, ys = zip(*(albers(lon, lat, **PARAMETERS) for lon, lat in edge), strict=True)
    scale = WIDTH / (max(xs) - min(xs))
    return {"scale": scale, "x0": min(xs), "y0": max(ys), "height": round((max(ys) - min(ys)) * scale)}


def to_svg(lon, lat, frame):
    return to_drawing(lon, lat, PROJECTION | frame)


def decode_arcs(topology):
    """TopoJSON arcs as lists of (lon, lat): delta-encoded, quantised integers made degrees."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arc_indexes, arcs):
    points = []
    for index in arc_indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def clip(points, width, height, margin=20):
    """Sutherland-Hodgman clipping of a closed ring to the drawing, with a margin: Russia's
    outline would otherwise run far outside the map."""
    edges = [
        (lambda p: p[0] >= -margin, lambda a, b: _cross_x(a, b, -margin)),
        (lambda p: p[0] <= width + margin, lambda a, b: _cross_x(a, b, width + margin)),
        (lambda p: p[1] >= -margin, lambda a, b: _cross_y(a, b, -margin)),
        (lambda p: p[1] <= height + margin, lambda a, b: _cross_y(a, b, height + margin)),
    ]
    for inside, cross in edges:
        if not points:
            break
        kept, previous = [], points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    kept.append(cross(previous, point))
                kept.append(point)
            elif inside(previous):
                kept.append(cross(previous, point))
            previous = point
        points = kept
    return points


def _cross_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return x, a[1] + t * (b[1] - a[1])


def _cross_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return a[0] + t * (b[0] - a[0]), y


def path(rings):
    """SVG path data for the rings: rounded to a tenth of a unit, near-duplicate points dropped."""
    parts = []
    for points in rings:
        kept = [points[0]]
        for point in points[1:]:
            if math.dist(point, kept[-1]) >= TOLERANCE:
                kept.append(point)
        if len(kept) < 3:
            continue
        coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in kept)
        parts.append(f"M{coordinates}Z")
    return "".join(parts)


def build(source=SOURCE):
    topology = json.loads(Path(source).read_text())
    arcs = decode_arcs(topology)
    frame = fit()
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        if name not in COUNTRIES:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = []
        for polygon in polygons:
            for arc_indexes in polygon:
                projected = [to_svg(lon, lat, frame) for lon, lat in ring(arc_indexes, arcs)]
                if clipped := clip(projected, WIDTH, frame["height"]):
                    rings.append(clipped)
        if rings:
            label = COUNTRIES[name]
            countries.append(
                {
                    "name": name,
                    "path": path(rings),
                    "label": [round(v, 1) for v in to_svg(*label, frame)] if label else None,
                }
            )
    countries.sort(key=lambda country: list(COUNTRIES).index(country["name"]))
    return {
        "source": "Natural Earth 1:50m admin-0 countries (public domain), from world-atlas 2.0.2",
        "projection": PROJECTION | {"scale": frame["scale"], "x0": frame["x0"], "y0": frame["y0"]},
        "width": WIDTH,
        "height": frame["height"],
        "countries": countries,
    }


def svg(drawing):
    """The base map as an SVG document: countries (Kazakhstan set apart) and their names."""
    width, height = drawing["width"], drawing["height"]
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>Kazakhstan and its neighbours ({PROJECTION['name']})</title>",
        f'<rect width="{width}" height="{height}" fill="#dfe9ef"/>',  # water: the Caspian, the Aral
    ]
    # Presentation attributes, not a <style>: the file is also opened on its own, under a strict policy.
    land = 'fill="#efe9dc" stroke="#b7ab95" stroke-width="0.8"'
    kazakhstan = 'fill="#e2d3b4" stroke="#8a7750" stroke-width="1.2"'
    for country in drawing["countries"]:
        style = kazakhstan if country["name"] == "Kazakhstan" else land
        lines.append(f'<path {style} d="{country["path"]}"><title>{country["name"]}</title></path>')
    for country in drawing["countries"]:
        if country["label"]:
            x, y = country["label"]
            weight = ' font-weight="600" fill="#4a4030"' if country["name"] == "Kazakhstan" else ' fill="#6b6253"'
            lines.append(
                f'<text x="{x}" y="{y}" font-family="system-ui, sans-serif" font-size="13" text-anchor="middle"'
                f"{weight}>{country['name']}</text>"
            )
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    drawing = build(source)
    OUTPUT.parent.mkdir(exist_ok=True)
    SVG.parent.mkdir(exist_ok=True)
    SVG.write_text(svg(drawing))
    OUTPUT.write_text(json.dumps({k: v for k, v in drawing.items() if k != "countries"}, indent=1) + "\n")
    print(f"Wrote {SVG.relative_to(ROOT)} and {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
