# Production image for web, worker and beat (docker-compose.yml). Python 3.11 because
# Django 5.2 LTS is pinned; Node only at build time, for the vendored front-end assets.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY scripts/vendor_assets.py scripts/

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 shoken
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /src/node_modules/@picocss/pico/css/pico.min.css static/vendor/pico/pico.min.css
COPY --from=assets /src/node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/htmx.min.js
# Build-time placeholders only (production settings refuse to start without them); the
# running containers get the real values from docker-compose's environment.
RUN python scripts/compile_messages.py \
 && SECRET_KEY=build DATABASE_URL=postgresql://build/build REDIS_URL=redis://build:6379/0 \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3QtYS1zZWNyZXQta2V5LTAwMDA= \
    python manage.py collectstatic --noinput -v 0
USER shoken
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
