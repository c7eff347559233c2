"""Pages: disaster."""

urlpatterns: list = []
