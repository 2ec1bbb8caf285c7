"""URLs of the portal app."""

urlpatterns: list = []
