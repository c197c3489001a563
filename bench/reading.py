"""Time timeline.reading.read (what `read_article` and the editors' workbench call) on an article of
1,000 words, at N events, one line per size:

    .venv/bin/python bench/reading.py [SIZE ...]     (default: 1000 100000; SQLite)
    .venv/bin/python bench/reading.py --measure DATABASE_URL   (a database already built, e.g. PostgreSQL)

The databases are built as bench/run.sh builds its own (migrate, load_curated, then `generate_events`
up to SIZE events), in $BENCH_DIR (default /tmp/timeline-reading-bench), and kept for the next run.
The article is MADE-UP TEST DATA, written for this benchmark: no outlet published it."""

import datetime
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/timeline-reading-bench"))
RUNS = 7

#: MADE-UP sentence parts (an article of Friday 7 January 2022), combined into 1,000 words of
#: sentences that do not repeat: a real article does not say one thing twice, and repeated
#: sentences would flatter any cache.
WHO = [
    "Protesters", "Police", "Russian troops", "CSTO peacekeepers", "Security forces", "Demonstrators",
    "Kassym-Jomart Tokayev", "Residents of Almaty", "The National Guard", "Rioters", "Soldiers", "Officials",
]  # fmt: skip
DID = [
    "seized the airport", "stormed the mayor's office", "set fire to the city hall", "detained more than 350 people",
    "fired on crowds", "dismissed the cabinet", "cut off the internet", "looted shops", "took over the TV station",
    "arrested dozens of people", "declared a state of emergency", "killed 18 security officers",
    "wounded about 750 people", "blocked the roads", "raised fuel prices",
]  # fmt: skip
WHERE = [
    "in Almaty", "in Alma-Ata", "in Mangystau", "near Republic Square", "in Taldykorgan", "across Kazakhstan",
    "at the Almaty airport", "outside the presidential residence", "in the Aktobe region", "in the suburbs",
]  # fmt: skip
WHEN = ["on Wednesday", "last night", "overnight", "yesterday", "on Tuesday", "on January 5", "this week", "on Monday"]
SAID = ["", ", officials said", ", the Interior Ministry said", ", according to AFP", ", witnesses told AFP"]


def article(words=1000):
    rng = random.Random(2022)
    sentences, count = [], 0
    while count < words:
        sentence = f"{rng.choice(WHO)} {rng.choice(DID)} {rng.choice(WHERE)} {rng.choice(WHEN)}{rng.choice(SAID)}."
        if sentence in sentences:
            continue
        sentences.append(sentence)
        count += len(sentence.split())
    return "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))


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
    os.environ["DATABASE_URL"] = db if "://" in db else f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeline.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from timeline.models import Event
    from timeline.reading import read

    text = article()
    events = Event.objects.count()
    timings, cpu = [], []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = read(text, datetime.date(2022, 1, 7))
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    found = sum(bool(s["candidates"]) for s in result["sentences"])
    print(
        f"{events:>7,} events: read {len(text.split()):,} words ({len(result['sentences'])} sentences, "
        f"{found} with candidates) in {statistics.median(timings):.3f} s median of {RUNS} "
        f"(first {timings[0]:.3f} s, slowest {max(timings):.3f} s; this process's CPU {statistics.median(cpu):.3f} s "
        "median: with SQLite, which runs in it, the figure a busy machine inflates least)"
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
