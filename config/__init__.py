"""Project package. Not called `platform`: that name shadows Python's stdlib module and
manage.py crashes on import."""

from .celery import app as celery_app

__all__ = ("celery_app",)
