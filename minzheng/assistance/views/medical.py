"""Pages: medical."""

urlpatterns: list = []
