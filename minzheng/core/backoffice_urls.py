"""Custom back-office pages that live inside the Unfold shell (registered by each app)."""

from django.urls import path

from minzheng.registry import views as registry_views

from . import views_backoffice
from . import views_io as registry_io

app_name = "backoffice"
urlpatterns = [
    path("reveal/<str:model>/<int:pk>/<str:field>/", views_backoffice.reveal, name="reveal"),
    path("jobs/<int:pk>/", views_backoffice.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views_backoffice.job_progress_fragment, name="job-progress"),
    path("import/", registry_io.import_page, name="import"),
    path("import/template/<str:dataset>/", registry_io.import_template, name="import-template"),
    path("export/<str:dataset>/", registry_io.export_view, name="export"),
    path("households/<int:pk>/file/", registry_views.household_file, name="household-file"),
]
