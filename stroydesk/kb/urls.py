"""URLs of the kb app."""

urlpatterns: list = []
