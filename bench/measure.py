"""Time the timeline over HTTP, as readers meet it, at two or more sizes, and print the figures
the performance goals are stated in (README, Performance). Standard library only; loopback only.

    bench/measure.py SIZE=URL=DATABASE=SERVER_PID ...   (bench/run.sh starts the servers)

Warm: the same request repeated (what every reader after the first meets). Cold: the data
version is moved on before each request (what the first reader after any change meets), so
every rendered page and card is rendered again."""

import gzip
import http.client
import re
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BROWSER = {"Accept-Encoding": "gzip"}  # as every browser asks
HTMX = {"HX-Request": "true"}
CASES = [
    # (name, path, headers, cold too)
    ("full page", "/", {}, True),
    ("filtered fragment (htmx)", "/?category=violence&place=almaty", HTMX, True),
    ("next chunk (more)", "/?page=2", HTMX, True),
    ("text search q=Almaty", "/?q=Almaty", HTMX, True),
    ("event page", "/events/cabinet-resigns/", {}, True),
]
EXPORTS = [("JSON export", "/export/timeline.json"), ("events CSV", "/export/events.csv")]
IDENTITY = {"Accept-Encoding": "identity"}  # exports are timed uncompressed: the server's own speed
WARM, COLD = 30, 8


class Site:
    def __init__(self, spec):
        size, url, database, pid = spec.split("=")
        self.size, self.database, self.pid = int(size), database, int(pid)
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        if self.host not in ("127.0.0.1", "localhost"):
            sys.exit("bench/measure.py only measures servers on loopback")
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def get(self, path, headers=None):
        """(status, body, seconds, headers) of one GET on a kept-alive connection, asking for
        compressed responses as browsers do."""
        started = time.perf_counter()
        self.connection.request("GET", path, headers=BROWSER | (headers or {}))
        response = self.connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        return response.status, body, elapsed, dict(response.getheaders())

    def median_ms(self, path, headers=None, repeats=WARM, cold=False):
        for _ in range(3):
            self.get(path, headers)
        timings = []
        for _ in range(repeats):
            if cold:
                self.move_data_version_on()
            status, _, seconds, _ = self.get(path, headers)
            assert status == 200, (path, status)
            timings.append(seconds * 1000)
        return statistics.median(timings)

    def move_data_version_on(self):
        with sqlite3.connect(self.database) as db:
            db.execute("UPDATE timeline_dataversion SET number = number + 1")

    def events(self):
        with sqlite3.connect(self.database) as db:
            return db.execute("SELECT count(*) FROM timeline_event WHERE status = 'published'").fetchone()[0]

    def peak_memory_mib(self):
        """The gunicorn worker's peak resident memory (VmHWM), in MiB."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        status = Path(f"/proc/{children[0]}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def html(site, path):
    """A page's HTML, uncompressed."""
    _, body, _, headers = site.get(path)
    return gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body


def first_page_kib(site):
    """The first page as a browser receives it: its HTML and the CSS and JavaScript it loads,
    compressed as served (each asked for with Accept-Encoding: gzip)."""
    total = len(site.get("/")[1])
    assets = re.findall(rb'<(?:link rel="stylesheet" href|script src)="([^"]+)"', html(site, "/"))
    for asset in assets:
        if b"print" in asset:
            continue  # loaded only to print
        total += len(site.get(asset.decode())[1])
    return total / 1024, len(assets)


def main(specs):
    sites = [Site(spec) for spec in specs]
    small, large = sites[0], sites[-1]
    print(f"Sizes: {', '.join(f'{site.events():,} events' for site in sites)}; median of {WARM} warm and {COLD} cold")
    print("requests, one gunicorn worker each, SQLite, on loopback.\n")
    css = re.search(rb'<link rel="stylesheet" href="([^"]+)"', html(small, "/")).group(1).decode()
    header = "| request | " + " | ".join(f"{site.size:,} events" for site in sites) + " | large / small |"
    print(header)
    print("| --- |" + " ---: |" * (len(sites) + 1))
    figures = {}

    def row(name, values, fmt="{:.1f} ms"):
        ratio = values[-1] / values[0] if values[0] else float("inf")
        print(f"| {name} | " + " | ".join(fmt.format(v) for v in values) + f" | {ratio:.2f}x |")
        figures[name] = values

    row("a static CSS file", [site.median_ms(css) for site in sites])
    for name, path, headers, cold in CASES:
        row(f"{name}, warm", [site.median_ms(path, headers) for site in sites])
        if cold:
            row(f"{name}, cold", [site.median_ms(path, headers, repeats=COLD, cold=True) for site in sites])
    row("reload of the page, answered 304", [_not_modified_ms(site) for site in sites])
    print()
    for name, path in EXPORTS:
        for site in sites:
            site.move_data_version_on()
            status, body, seconds, _ = site.get(path, IDENTITY)
            assert status == 200, (path, status)
            events = site.events()
            print(f"{name} at {events:,} events: {seconds:.2f} s, {events / seconds:,.0f} events/s, "
                  f"{len(body) / 2**20:.1f} MiB")  # fmt: skip
    print("\nPeak memory of the worker after the exports: "
          + ", ".join(f"{site.peak_memory_mib():.0f} MiB at {site.events():,} events" for site in sites))  # fmt: skip
    kib, assets = first_page_kib(small)
    print(f"First page as a browser receives it (HTML and {assets} CSS/JS files, compressed): {kib:.1f} KiB")
    static = figures["a static CSS file"][-1]
    print("\nGoals (README): full page within 3x a static file; page, fragment and search at the large size within")
    print("1.5x of the small; exports at 20,000 events/s or more; the first page within 74 KiB.")
    print(f"- full page / static file at {large.size:,} events, warm: {figures['full page, warm'][-1] / static:.1f}x")


def _not_modified_ms(site):
    etag = site.get("/")[3]["ETag"]
    timings = []
    for _ in range(WARM):
        status, _, seconds, _ = site.get("/", {"If-None-Match": etag})
        assert status == 304, status
        timings.append(seconds * 1000)
    return statistics.median(timings)


if __name__ == "__main__":
    main(sys.argv[1:])
