"""The Celery application. Workers and beat run under honcho (Procfile) in development and
as their own services in docker-compose.yml."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("shoken")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
