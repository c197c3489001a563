"""The map's projection, pure arithmetic: used by scripts/build_map.py to draw the base map and by
timeline/maps.py to place markers on it, so that both agree to the unit."""

import math


def albers(lon, lat, parallels, lon0, lat0):
    """(x, y) of a point on the unit sphere's Albers equal-area conic; y grows northwards.
    Equal-area: the regions' sizes compare truly, which a web Mercator map would not at 50°N."""
    phi1, phi2, phi0 = (math.radians(v) for v in (*parallels, lat0))
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho0 = math.sqrt(c - 2 * n * math.sin(phi0)) / n
    rho = math.sqrt(c - 2 * n * math.sin(math.radians(lat))) / n
    theta = n * math.radians(lon - lon0)
    return rho * math.sin(theta), rho0 - rho * math.cos(theta)


def to_drawing(lon, lat, projection):
    """(x, y) in the drawing's units (y downwards), for a projection as scripts/build_map.py fits it."""
    x, y = albers(lon, lat, projection["parallels"], projection["lon0"], projection["lat0"])
    return (x - projection["x0"]) * projection["scale"], (projection["y0"] - y) * projection["scale"]
