#!/usr/bin/env bash
# make loadtest: gunicorn as in production (config/gunicorn.py, WEB_CONCURRENCY workers, debug
# off, whitenoise's collected static files) and a Celery worker, on PostgreSQL and Redis, against
# a copy of the bench practice; locust drives simulated staff through a stepped ramp; then the
# action log is checked against the database (no update lost).
#
# Environment (the Makefile sets defaults): LOADTEST_DATABASE_URL, LOADTEST_TEMPLATE (the bench
# database copied when the load test database is missing), LOADTEST_FRESH=1 (copy it again),
# LOADTEST_REDIS_URL, LOADTEST_PORT, WEB_CONCURRENCY, LOADTEST_STEPS, LOADTEST_STEP_SECONDS,
# LOADTEST_SETTLE_SECONDS, LOADTEST_MANAGER_SHARE.
set -euo pipefail

BIN=${BIN:-.venv/bin}
VAR=${FOLLOWTHROUGH_VAR_DIR:-var}
OUT="$VAR/loadtest"
PORT=${LOADTEST_PORT:-8010}
mkdir -p "$OUT"

manage() {
    DATABASE_URL="$LOADTEST_DATABASE_URL" DJANGO_SETTINGS_MODULE=config.test_settings "$BIN/python" manage.py "$@"
}

fresh=()
[[ "${LOADTEST_FRESH:-0}" == 1 ]] && fresh=(--recreate)
manage ensure_database --template "$LOADTEST_TEMPLATE" "${fresh[@]}"
manage migrate --noinput

# Production settings: only the https redirect, secure cookies and HSTS are off (plain http on
# 127.0.0.1, as .env.example's local section), and a throwaway secret key.
export DJANGO_SETTINGS_MODULE=config.settings
export DJANGO_DEBUG=0
DJANGO_SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0
export DATABASE_URL="$LOADTEST_DATABASE_URL"
export REDIS_URL="$LOADTEST_REDIS_URL"
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
"$BIN/python" manage.py collectstatic --noinput --verbosity 0
# Under these settings: the sign-in password is hashed as production hashes it.
"$BIN/python" manage.py loadtest_prepare --staff "$OUT/staff.json"

pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT

"$BIN/gunicorn" -c config/gunicorn.py config.wsgi --bind "127.0.0.1:$PORT" >"$OUT/gunicorn.log" 2>&1 &
web=$!
pids+=($web)
"$BIN/celery" -A config worker --loglevel=WARNING --concurrency=1 >"$OUT/worker.log" 2>&1 &
worker=$!
pids+=($worker)

for _ in $(seq 60); do
    if "$BIN/python" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" 2>/dev/null; then
        break
    fi
    sleep 1
done

echo "gunicorn ($WEB_CONCURRENCY workers) on 127.0.0.1:$PORT, database $LOADTEST_DATABASE_URL, redis $REDIS_URL"
LOADTEST_STAFF="$OUT/staff.json" LOADTEST_LOG="$OUT/actions.jsonl" LOADTEST_REPORT="$OUT/report.json" \
    LOADTEST_WEB_PID=$web LOADTEST_WORKER_PID=$worker \
    "$BIN/locust" -f benchmark/loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    --only-summary --loglevel WARNING --exit-code-on-error 0 || echo "locust exited with $?"

stop
trap - EXIT
manage loadtest_check "$OUT/actions.jsonl"
