"""民政综合业务平台 — the whole business of a district civil affairs bureau."""

from .celery import app as celery_app

__all__ = ["celery_app"]
