"""REST endpoints of social assistance. Each area module registers its viewsets on `router`."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

from . import applications, charity, children, disaster, medical, notices, poverty, reviews  # noqa: E402,F401
