"""Statistics pages in the back office (mounted at /stats/)."""

from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("area/<slug:key>/", views.area, name="area"),
    path("indicator/<str:indicator_id>/", views.indicator, name="indicator"),
    path("indicator/<str:indicator_id>/records/", views.records, name="records"),
    path("indicator/<str:indicator_id>/charts/", views.charts, name="charts"),
    path("annual-report/", views.annual_report, name="annual-report"),
    path("quarterly/", views.quarterly, name="quarterly"),
    path("periods/", views.periods, name="periods"),
]
