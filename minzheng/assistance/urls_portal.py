"""Public notice pages (公示) under /portal/notices/ — no login."""

from django.urls import path  # noqa: F401

app_name = "notices"

urlpatterns: list = []
