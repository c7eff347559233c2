from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from minzheng.benefits import api as benefits_api
from minzheng.registry import api as registry_api

router = DefaultRouter()
router.register("persons", registry_api.PersonViewSet, basename="person")
router.register("households", registry_api.HouseholdViewSet, basename="household")
router.register("regions", registry_api.RegionViewSet, basename="region")
router.register("entitlements", benefits_api.EntitlementViewSet, basename="entitlement")
router.register("payroll-runs", benefits_api.PayrollRunViewSet, basename="payroll-run")

urlpatterns = [path("auth/token/", obtain_auth_token, name="api-token"), *router.urls]

# Indicators (minzheng.stats.api) are added to this list by the statistics app.
from minzheng.stats.api import IndicatorsView  # noqa: E402

urlpatterns.append(path("indicators/", IndicatorsView.as_view(), name="indicators"))

# Social assistance (minzheng.assistance.api): applications, claims and registers.
from django.urls import include  # noqa: E402

from minzheng.assistance.api import router as assistance_router  # noqa: E402

urlpatterns.append(path("assistance/", include(assistance_router.urls)))
