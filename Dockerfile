# The app image for docker-compose.yml: web, worker and beat all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=oms.settings.development

WORKDIR /app

# The project's own files only (no .venv, .git or .services*). A new top-level app needs a line here as
# well as in pyproject.toml's [tool.setuptools.packages.find].
COPY pyproject.toml manage.py Procfile ./
COPY oms ./oms
COPY accounts ./accounts
COPY channels ./channels
COPY inventory ./inventory
COPY orders ./orders
COPY privacy ./privacy
COPY templates ./templates
COPY static ./static

RUN pip install . \
    && useradd --create-home --uid 1000 oms \
    && chown -R oms /app
USER oms

EXPOSE 8000
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
