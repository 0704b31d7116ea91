# syntax=docker/dockerfile:1
# The production image: gunicorn, Celery worker and beat all run from it (see docker-compose.yml).

# --- Front-end assets: the exact versions in package-lock.json, placed as `make assets` does. ---
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
    && mkdir -p static/vendor \
    && cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js \
    && cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico.min.css \
    && cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map static/vendor/

# --- The application. ---
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings
WORKDIR /app

# Every package pinned and hash-checked: nothing resolves at build time.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
COPY --from=assets /src/static/vendor/ static/vendor/

# Static files are collected into the image (whitenoise serves them, compressed and hashed). The
# settings refuse to load without a secret key when debug is off; this one exists only here.
RUN DJANGO_SECRET_KEY=collectstatic-build-only-not-a-real-secret-0123456789abcdef \
    python manage.py collectstatic --noinput --verbosity 1

# Run unprivileged. var/ holds the beat schedule file, so it must be writable.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin followthrough \
    && mkdir -p var \
    && chown -R followthrough var
USER followthrough

EXPOSE 8000
# WEB_CONCURRENCY (read by gunicorn) sets the worker count; 2 suits a small host.
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "--bind", "0.0.0.0:8000"]
