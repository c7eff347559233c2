"""Back-office pages of the benefits engine that live inside the admin shell (besides the admin lists)."""

from django.urls import path

from . import views

app_name = "benefits"
urlpatterns = [
    path("schemes/<int:pk>/standards/add/", views.add_standard, name="standard-add"),
    path("entitlements/<int:pk>/", views.entitlement_detail, name="entitlement"),
    path("bank-accounts/<int:pk>/reveal/", views.reveal_account_number, name="account-reveal"),
    path("runs/new/", views.new_run, name="run-new"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/build/", views.build, name="run-build"),
    path("runs/<int:pk>/approve/", views.approve, name="run-approve"),
    path("runs/<int:pk>/export/", views.export, name="run-export"),
    path("runs/<int:pk>/reconcile/", views.reconcile, name="run-reconcile"),
]
