"""Public notice pages (公示) under /portal/notices/ — no login."""

from django.urls import path

from .views import notices_public as views

app_name = "notices"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:village_code>/<str:month>/", views.village_month, name="board"),
]
