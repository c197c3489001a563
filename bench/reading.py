"""Time timeline.reading.read (what `read_article` and the editors' workbench call) on an article of
1,000 words, at N events, one line per size:

    .venv/bin/python bench/reading.py [SIZE ...]     (default: 1000 100000; SQLite)

The databases are built as bench/run.sh builds its own (migrate, load_curated, then `generate_events`
up to SIZE events), in $BENCH_DIR (default /tmp/timeline-reading-bench), and kept for the next run.
The article is MADE-UP TEST DATA, written for this benchmark: no outlet published it."""

import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/timeline-reading-bench"))
RUNS = 7

#: MADE-UP paragraphs (an article of Friday 7 January 2022), repeated to 1,000 words.
PARAGRAPHS = [
    "ALMATY, Jan. 7 — Almaty's airport was seized by protesters on Wednesday, officials said, before Russian "
    "troops took it back overnight.",
    "Kassym-Jomart Tokayev said more than 350 people had been detained across Kazakhstan since Sunday. "
    "According to the Interior Ministry, 18 security officers were killed and about 750 wounded.",
    "Mr. Tokayev dismissed the cabinet on Wednesday. Earlier that day, crowds stormed the mayor's office in "
    "Alma-Ata and set it on fire, witnesses told AFP.",
    "The internet was shut down nationwide last night, and dozens of flights were cancelled this week. "
    "Gas prices had doubled on January 1, setting off the first protests in Mangystau.",
    "CSTO peacekeepers, some 2,500 of them, began arriving yesterday. Nearly 400 people were in hospital, "
    "the Health Ministry reported, and hundreds of shops were looted.",
]


def article(words=1000):
    paragraphs, count = [], 0
    while count < words:
        paragraph = PARAGRAPHS[len(paragraphs) % len(PARAGRAPHS)]
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(paragraphs)


def build(size):
    db = BENCH_DIR / f"events-{size}.sqlite3"
    if db.exists():
        return db
    print(f"Building {db} ...", file=sys.stderr)
    tmp = db.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}"}

    def manage(*args):
        return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)

    manage("migrate", "--noinput", "--verbosity", "0")
    manage("load_curated", "--verbosity", "0")
    curated = manage(
        "shell", "--no-imports", "-c", "from timeline.models import Event; print(Event.objects.count())"
    ).stdout.split()[-1]
    if size > int(curated):
        manage("generate_events", str(size - int(curated)))
    tmp.rename(db)
    return db


def measure(db):
    """In a process of its own (the database is chosen before Django starts): time ``read``."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeline.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from timeline.models import Event
    from timeline.reading import read

    text = article()
    events = Event.objects.count()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = read(text, datetime.date(2022, 1, 7))
        timings.append(time.perf_counter() - started)
    found = sum(bool(s["candidates"]) for s in result["sentences"])
    print(
        f"{events:>7,} events: read {len(text.split()):,} words ({len(result['sentences'])} sentences, "
        f"{found} with candidates) in {statistics.median(timings):.3f} s median of {RUNS} "
        f"(first {timings[0]:.3f} s, slowest {max(timings):.3f} s)"
    )


def main():
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2])
        return
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for size in [int(s) for s in sys.argv[1:]] or [1000, 100_000]:
        subprocess.run([PY, __file__, "--measure", str(build(size))], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
