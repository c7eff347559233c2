"""Pages: children."""

urlpatterns: list = []
