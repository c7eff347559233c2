"""Pages: poverty."""

urlpatterns: list = []
