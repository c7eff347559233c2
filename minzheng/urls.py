from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from minzheng.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("backoffice/", include("minzheng.core.backoffice_urls")),
    path("inbox/", include("minzheng.workflow.urls")),
    path("benefits/", include("minzheng.benefits.urls")),
    path("stats/", include("minzheng.stats.urls")),
    path("assistance/", include("minzheng.assistance.urls")),
    path("portal/notices/", include("minzheng.assistance.urls_portal")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("minzheng.api_urls")),
    path("portal/", include("minzheng.portal.urls")),
]
