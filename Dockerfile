# The app image for docker-compose.yml: web (gunicorn), worker and beat all run from it, with production
# settings. scripts/docker-entrypoint.sh gives every process the same SECRET_KEY (see there).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=oms.settings.production

WORKDIR /app

# The project's own files only (no .venv, .git or .services*). A new top-level app needs a line here as
# well as in pyproject.toml's [tool.setuptools.packages.find] (tests/test_docker_compose.py checks).
COPY pyproject.toml manage.py Procfile ./
COPY oms ./oms
COPY accounts ./accounts
COPY api ./api
COPY channels ./channels
COPY intake ./intake
COPY inventory ./inventory
COPY orders ./orders
COPY privacy ./privacy
COPY sandbox ./sandbox
COPY templates ./templates
COPY static ./static
COPY scripts/docker-entrypoint.sh ./scripts/docker-entrypoint.sh

# Static files are collected at build time (the production storage serves them from a manifest); the key and
# host here only let the settings load and are not kept.
RUN pip install . \
    && SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v 0 \
    && useradd --create-home --uid 1000 oms \
    && mkdir -p /var/lib/oms \
    && chown -R oms /app /var/lib/oms \
    && chmod 700 /var/lib/oms
USER oms
# The generated SECRET_KEY lives here (a named volume in docker-compose.yml), shared by web, worker and beat.
VOLUME /var/lib/oms

EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
# gunicorn's threaded worker (API orders that arrive together share a transaction only within a process), with
# its longest request line (8,190 bytes), longer than the API's URL limit so the API answers its JSON 414.
CMD ["gunicorn", "oms.wsgi", "-k", "gthread", "--workers", "2", "--threads", "8", "--bind", "0.0.0.0:8000", \
     "--limit-request-line", "8190", "--access-logfile", "-"]
