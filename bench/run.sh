#!/usr/bin/env bash
# `make bench`: scratch SQLite databases of 1,000, 10,000 and 100,000 events (the curated
# data plus synthetic events), timed in process by `manage.py benchmark`, then a bounded
# load test of gunicorn on loopback. Writes nothing outside $BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/timeline-bench}
SIZES=${SIZES:-"1000 10000 100000"}
mkdir -p "$BENCH_DIR"
export DJANGO_DEBUG=0 DJANGO_HTTPS=0 DJANGO_ALLOWED_HOSTS=testserver,127.0.0.1,localhost
export DJANGO_SECRET_KEY=benchmark-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEF
export DJANGO_LOG_LEVEL=WARNING
PY=.venv/bin/python
$PY manage.py collectstatic --noinput --verbosity 0

for size in $SIZES; do
  db="$BENCH_DIR/events-$size.sqlite3"
  export DATABASE_URL="sqlite:///$db"
  if [ ! -f "$db" ]; then
    $PY manage.py migrate --noinput --verbosity 0
    $PY manage.py createcachetable
    $PY manage.py load_curated --verbosity 0
    curated=$($PY manage.py shell -c "from timeline.models import Event; print(Event.objects.count())" 2>/dev/null | tail -n 1)
    $PY manage.py generate_events $((size - curated)) 2>/dev/null
  fi
  echo
  $PY manage.py benchmark
done

echo
echo "== gunicorn on 127.0.0.1:8765, $(nproc) cores, largest database"
$PY -m gunicorn timeline.wsgi --bind 127.0.0.1:8765 --workers "${WORKERS:-3}" --log-level warning &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8765/healthz && break; sleep 0.2; done
$PY bench/load.py http://127.0.0.1:8765/ --seconds 15 --concurrency 8
$PY bench/load.py "http://127.0.0.1:8765/?category=violence&place=almaty" --seconds 15 --concurrency 8 --htmx
