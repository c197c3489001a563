import statistics
import time
import tracemalloc

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client

from timeline.models import Event

CASES = [
    # (name, path, headers, repeats)
    ("full page", "/", {}, 30),
    ("filtered fragment", "/?category=violence&place=almaty", {"HX-Request": "true"}, 30),
    ("next chunk (more)", "/?page=2", {"HX-Request": "true"}, 30),
    ("text search", "/?q=Almaty", {"HX-Request": "true"}, 10),
    ("JSON export", "/export/timeline.json", {}, 1),
]


def consume(response):
    if response.streaming:
        for _ in response.streaming_content:
            pass
    return response


class Command(BaseCommand):
    help = (
        "Time the timeline against the current database, in process (server time, no network): median and "
        "95th percentile per request, SQL queries per request, and the JSON export's peak memory. "
        "`make bench` runs it on scratch databases of several sizes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-export", action="store_true", help="Leave out the (slow) JSON export.")

    def handle(self, *args, skip_export=False, **options):
        client = Client()
        events = Event.objects.published().count()
        self.stdout.write(f"{events:,} published events ({connection.vendor})")
        self.stdout.write(f"  {'request':<20} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'status':>7}")
        for name, path, headers, repeats in CASES:
            if skip_export and "export" in path:
                continue
            if repeats > 1:
                for _ in range(3):  # warm caches
                    consume(client.get(path, headers=headers))
            timings = []
            queries = []

            def count(execute, sql, *rest, queries=queries):
                queries.append(sql)
                return execute(sql, *rest)

            with connection.execute_wrapper(count):
                consume(client.get(path, headers=headers))
            for _ in range(repeats):
                started = time.perf_counter()
                response = consume(client.get(path, headers=headers))
                timings.append((time.perf_counter() - started) * 1000)
            p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
            self.stdout.write(
                f"  {name:<20} {statistics.median(timings):>10.1f} {p95:>8.1f} {len(queries):>8} "
                f"{response.status_code:>7}"
            )
        if skip_export:
            return
        tracemalloc.start()
        consume(client.get("/export/timeline.json"))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.stdout.write(f"  JSON export peak memory: {peak / 2**20:.1f} MiB (tracemalloc)")
