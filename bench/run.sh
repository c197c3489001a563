#!/usr/bin/env bash
# `make bench`: the timeline as readers meet it, over HTTP against gunicorn (one worker, debug
# off, SQLite), at 1,000 and 100,000 events in one run: bench/measure.py times each request and
# prints the medians and the ratios the performance goals are stated in (README, Performance).
# The scratch databases (the curated data plus `generate_events`) are kept in $BENCH_DIR and
# rebuilt when the migrations, the fixtures or the generator change. Writes nothing elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/timeline-bench}
SIZES=${SIZES:-"1000 100000"}
PORT=${BENCH_PORT:-8770}
mkdir -p "$BENCH_DIR"
export DJANGO_DEBUG=0 DJANGO_HTTPS=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_LOG_LEVEL=WARNING
export DJANGO_SECRET_KEY=benchmark-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEF DJANGO_SITE_URL=http://127.0.0.1
PY=.venv/bin/python
$PY manage.py collectstatic --noinput --verbosity 0

stamp=$(cat timeline/migrations/*.py fixtures/*.json timeline/management/commands/generate_events.py | sha1sum | cut -c1-10)
servers=()
trap 'kill "${servers[@]}" 2>/dev/null || true' EXIT
targets=()
for size in $SIZES; do
  db="$BENCH_DIR/events-$size-$stamp.sqlite3"
  if [ ! -f "$db" ]; then
    echo "Building $db ..."
    rm -f "$BENCH_DIR"/events-"$size"-*.sqlite3
    DATABASE_URL="sqlite:///$db.tmp" $PY manage.py migrate --noinput --verbosity 0
    DATABASE_URL="sqlite:///$db.tmp" $PY manage.py load_curated --verbosity 0
    curated=$(DATABASE_URL="sqlite:///$db.tmp" $PY manage.py shell --no-imports -c \
      "from timeline.models import Event; print(Event.objects.count())" | tail -n 1)
    DATABASE_URL="sqlite:///$db.tmp" $PY manage.py generate_events $((size - curated)) 2>/dev/null
    mv "$db.tmp" "$db"
  fi
  DATABASE_URL="sqlite:///$db" $PY -m gunicorn timeline.wsgi --bind "127.0.0.1:$PORT" --workers 1 \
    --log-level warning &
  servers+=($!)
  targets+=("$size=http://127.0.0.1:$PORT=$db=$!")
  PORT=$((PORT + 1))
done
for target in "${targets[@]}"; do
  url=$(echo "$target" | cut -d= -f2)
  for _ in $(seq 100); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.2; done
done
$PY bench/measure.py "${targets[@]}"

echo
echo "== under load: 8 connections for 15 s against the largest database (one worker)"
url=$(echo "${targets[-1]}" | cut -d= -f2)
$PY bench/load.py "$url/" --seconds 15 --concurrency 8
$PY bench/load.py "$url/?category=violence&place=almaty" --seconds 15 --concurrency 8 --htmx
