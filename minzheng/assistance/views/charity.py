"""Pages: charity."""

urlpatterns: list = []
