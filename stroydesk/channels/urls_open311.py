"""Open311 GeoReport v2 URLs."""

urlpatterns: list = []
