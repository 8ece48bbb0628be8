"""A URL configuration for directory tests only: independent of apps still being built."""

from django.urls import include, path

urlpatterns = [
    path("", include("accord.web.urls")),
    path("accounts/", include("accord.accounts.urls")),
    path("directory/", include("accord.directory.urls")),
]
