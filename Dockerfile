# StrataTracker image: one image for every app service in compose.yaml (migrate, web,
# worker-email, worker, beat); the command picks the role. See docs/deployment.md.

# --- builder: install the pinned runtime requirements into a virtualenv -------------------
FROM python:3.13-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# Every pinned requirement ships a manylinux wheel for CPython 3.13 (psycopg[binary] bundles
# libpq), so no compiler is needed. A future dependency without a wheel adds build-essential
# and its -dev packages here, never in the final stage.
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt

# --- final: the venv, the code, collected static files, a non-root user ------------------
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:${PATH}" \
    DJANGO_DEBUG=False \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/data/media \
    PORT=8000

# Runtime libraries only: WeasyPrint renders letters with Pango and HarfBuzz (subsetting
# keeps PDFs small) and needs a serif font; every Python wheel bundles the rest.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The app user owns nothing but the private-media directory: code and static files stay
# root-owned and read-only to it. /data/media exists in the image, owned by the app user, so
# a named volume mounted there starts with that owner.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data/media \
    && chown app:app /data/media

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY . .
RUN chmod 0755 bin/*

# Static files are collected at build time. DJANGO_DEBUG=False refuses to start without its
# secrets, so this one command gets dummy values; none of them is stored in the image and
# nothing connects to the database or the mail server here.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@127.0.0.1:5432/build \
    EMAIL_URL=smtp://127.0.0.1:25 \
    python manage.py collectstatic --noinput

USER app

EXPOSE 8000

# Liveness of the web process only (no database or broker): /api/health/live answers on
# loopback before host validation and the HTTPS redirect (stratatracker/health.py). The
# slim image has no curl, hence Python. compose.yaml replaces this check for the services
# that do not serve HTTP.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT:-8000}/api/health/live', timeout=4)" || exit 1

CMD ["bin/web"]
