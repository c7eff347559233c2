"""Back-office pages of social assistance (under /assistance/), one module per area."""

from django.urls import include, path

from .views import applications, charity, children, disaster, household, medical, notices, poverty, reviews

app_name = "assistance"

urlpatterns = [
    path("applications/", include(applications.urlpatterns)),
    path("notices/", include(notices.urlpatterns)),
    path("reviews/", include(reviews.urlpatterns)),
    path("children/", include(children.urlpatterns)),
    path("medical/", include(medical.urlpatterns)),
    path("poverty/", include(poverty.urlpatterns)),
    path("disaster/", include(disaster.urlpatterns)),
    path("charity/", include(charity.urlpatterns)),
    path("households/", include(household.urlpatterns)),
]
