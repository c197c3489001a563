"""`make faults`: how the site behaves when a client is hostile and when its services fail, as
readers meet it: gunicorn with the production settings on a scratch SQLite database (and, where
redis-server is installed, with its rendered pages in a private Redis), loopback only. Every
loop is bounded in count and time; every server it starts is its own, on a free port, stopped
at the end. Prints one line per figure:

    junk URLs: 10,000 requests, cache grew 1.2 MiB (Redis) ...
    cache down: 14 pages, 14 answered 200; /healthz 200 "degraded"
    write held: 14 reads during an open write transaction, 14 answered 200
    hostile corpus: 3,120 requests, 0 answered 5xx
    database down: 14 pages, 14 answered 503 with Retry-After; /healthz 503 "down"

`--quick` (what CI runs) sends fewer requests. Standard library only."""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PAGES = [
    "/",
    "/?category=violence",
    "/?place=almaty&start=2022-01-05&end=2022-01-06",
    "/map/",
    "/embed/",
    "/events/cabinet-resigns/",
    "/sources/",
    "/actors/",
    "/places/",
    "/figures/",
    "/differences/",
    "/changes/",
    "/export/timeline.json",
    "/export/events.csv",
]
ENVIRONMENT = {
    "DJANGO_DEBUG": "0",
    "DJANGO_HTTPS": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SITE_URL": "http://127.0.0.1",
    "DJANGO_SECRET_KEY": "faults-check-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
    "DJANGO_LOG_LEVEL": "CRITICAL",
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, method="GET", headers=None, timeout=30):
    """(status, headers, body) of one request to the loopback server; status 0 when it failed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except (OSError, http.client.HTTPException):
        return 0, {}, b""
    finally:
        connection.close()


def wait_for(port, path="/healthz", seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if get(port, path, timeout=2)[0]:
            return
        time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port} within {seconds} s")


@contextlib.contextmanager
def process(command, env=None, port=None, **kwargs):
    """A server of our own, stopped (with its children) when the block ends."""
    child = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        **kwargs,
    )  # fmt: skip
    try:
        if port:
            wait_for(port)
        yield child
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=30)


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=ROOT, check=True, capture_output=True)


def gunicorn(env, port, workers=1):
    command = [PYTHON, "-m", "gunicorn", "timeline.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    return process([*command, "--log-level", "critical", "--timeout", "60"], env=env, port=port)


def redis(port):
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return process(command)


def redis_memory(port):
    info = subprocess.run(
        ["redis-cli", "-p", str(port), "info", "memory"], capture_output=True, text=True, check=False
    ).stdout
    return next((int(line.split(":")[1]) for line in info.splitlines() if line.startswith("used_memory:")), 0)


def rss(pid):
    """Resident memory of a process and its children (gunicorn's workers), in bytes."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["PPid"]) == pid or int(status.parent.name) == pid:
                total += int(fields["VmRSS"].split()[0]) * 1024
    return total


def health(port):
    status, _, body = get(port, "/healthz")
    try:
        return status, json.loads(body).get("status")
    except ValueError:
        return status, body[:40].decode(errors="replace")


def answers(port, paths):
    return [get(port, path) for path in paths]


# The checks ---------------------------------------------------------------------------------


#: Each check's verdict against the goals of issue 20, for --check.
VERDICTS = []


def verdict(name, ok):
    VERDICTS.append((name, ok))


def junk_urls(env, count, seconds, redis_port=None):
    with contextlib.ExitStack() as stack:
        if redis_port:
            stack.enter_context(redis(redis_port))
            time.sleep(0.5)
            env = {**env, "DJANGO_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
        port = free_port()
        server = stack.enter_context(gunicorn(env, port))
        answers(port, PAGES)  # warm: the real pages are cached once
        before = redis_memory(redis_port) if redis_port else rss(server.pid)
        deadline, sent = time.monotonic() + seconds, 0
        for number in range(count):
            if time.monotonic() > deadline:
                break
            get(port, f"/?u={number}&junk={'x' * (number % 50)}")
            sent += 1
        after = redis_memory(redis_port) if redis_port else rss(server.pid)
    where = "Redis used_memory" if redis_port else "gunicorn resident memory"
    grown = (after - before) / 2**20
    print(f"junk URLs: {sent:,} requests in at most {seconds} s, {where} grew {grown:.1f} MiB")
    verdict(f"junk URLs ({where})", grown < 10)


def cache_down(env, redis_port):
    with redis(redis_port) as cache:
        time.sleep(0.5)
        env = {**env, "DJANGO_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
        port = free_port()
        with gunicorn(env, port):
            answers(port, PAGES)
            os.killpg(cache.pid, signal.SIGTERM)
            cache.wait(timeout=10)
            results = answers(port, PAGES)
            status, word = health(port)
    ok = sum(1 for result in results if result[0] == 200)
    print(f'cache down: {len(PAGES)} pages, {ok} answered 200; /healthz {status} "{word}"')
    verdict("cache down", ok == len(PAGES) and (status, word) == (200, "degraded"))


def write_held(env, database):
    port = free_port()
    with gunicorn(env, port, workers=2):
        answers(port, PAGES)
        writer = sqlite3.connect(database, timeout=1, isolation_level=None)
        try:
            writer.execute("BEGIN EXCLUSIVE")  # as an import that has spilled its writes to the file
            writer.execute("UPDATE timeline_dataversion SET number = number + 1")
            results = answers(port, [*PAGES[:2], "/?category=protest", *PAGES[2:]])
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    ok = sum(1 for result in results if result[0] == 200)
    print(f"write held: {len(results)} reads during an open write transaction, {ok} answered 200")
    verdict("write held", ok == len(results))


def hostile_paths(limit):
    values = ["0001-01-01", "9999-12-31", "-1", "0", "99999999999999999999", "abc", "%00", "\u0000", "' OR 1=1 --",
              "<script>", "𝕏" * 50, "a" * 5000, "%ff%fe", "../../etc/passwd", "", " ", "🙂"]  # fmt: skip
    keys = ["start", "end", "known_on", "page", "q", "category", "actor", "place", "source", "kind", "corroborated",
            "precision", "u"]  # fmt: skip
    bases = ["/", "/embed/", "/map/", "/figures/", "/differences/", "/changes/", "/export/timeline.json",
             "/export/events.csv", "/export/timelinejs.json", "/sources/", "/events/cabinet-resigns/"]  # fmt: skip
    paths = [f"{base}?{key}={quote(value, safe='%')}" for base in bases for key in keys for value in values]
    paths += [f"{base}?{key}=1&{key}=2&{key}=3" for base in bases for key in keys]
    paths += ["/events/" + "x" * 300 + "/", "/sources/%00/", "/actors/%ff/", "/places/../", "//", "/%2e%2e/"]
    return paths[:limit]


def hostile_corpus(env, limit, seconds):
    port = free_port()
    fives, sent = [], 0
    headers = [{}, {"HX-Request": "true"}, {"HX-Request": "junk", "HX-Target": "x" * 500}]
    deadline = time.monotonic() + seconds
    with gunicorn(env, port, workers=2):
        for path, header, method in zip(
            hostile_paths(limit),
            itertools.cycle(headers),
            itertools.cycle(["GET", "GET", "HEAD", "POST"]),
            strict=False,
        ):
            if time.monotonic() > deadline:
                break
            status = get(port, path, method=method, headers=header)[0]
            sent += 1
            if status >= 500 or status == 0:
                fives.append((status, method, path[:120]))
    print(f"hostile corpus: {sent:,} requests, {len(fives)} answered 5xx (or no answer)")
    verdict("hostile corpus", not fives)
    for status, method, path in fives[:10]:
        print(f"  {status} {method} {path}")


def database_down(env, database):
    port = free_port()
    with gunicorn(env, port):
        answers(port, PAGES)
        moved = Path(f"{database}.away")
        os.replace(database, moved)
        try:
            results = answers(port, PAGES[:-2])  # the exports stream: their failure shows mid-body
            status, word = health(port)
        finally:
            os.replace(moved, database)
    unavailable = sum(1 for result in results if result[0] == 503 and "Retry-After" in result[1])
    print(
        f'database down: {len(results)} pages, {unavailable} answered 503 with Retry-After; /healthz {status} "{word}"'
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Fewer requests (CI).")
    parser.add_argument("--check", action="store_true", help="Exit non-zero when a figure misses its goal.")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="timeline-faults-"))
    try:
        database = scratch / "faults.sqlite3"
        env = {**os.environ, **ENVIRONMENT, "DATABASE_URL": f"sqlite:///{database}"}
        env.pop("DJANGO_REDIS_URL", None)
        manage(env, "migrate", "--noinput")
        manage(env, "load_curated")
        manage(env, "collectstatic", "--noinput")
        has_redis = shutil.which("redis-server") is not None
        junk = 1_000 if args.quick else 10_000
        junk_urls(env, junk, 120)
        if has_redis:
            junk_urls(env, junk, 120, redis_port=free_port())
            cache_down(env, free_port())
        else:
            print("cache down: not run (no redis-server here)")
        write_held(env, database)
        hostile_corpus(env, 600 if args.quick else 4_000, 300)
        database_down(env, database)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    missed = [name for name, ok in VERDICTS if not ok]
    print(
        f"faults: {len(VERDICTS) - len(missed)} of {len(VERDICTS)} goals met"
        + (f"; missed: {', '.join(missed)}" if missed else "")
    )
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
