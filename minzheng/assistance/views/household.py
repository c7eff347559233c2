"""Pages: the household file (一户一档)."""

urlpatterns: list = []
