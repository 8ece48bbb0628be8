"""Root URL configuration. Every view is declared in ``accord.accounts.access`` (S8)."""

from django.urls import include, path

from accord.api.api import api

urlpatterns = [
    path("", include("accord.web.urls")),
    path("accounts/", include("accord.accounts.urls")),
    path("audit/", include("accord.trail.urls")),
    path("directory/", include("accord.directory.urls")),
    path("protocols/", include("accord.protocols.urls")),
    path("cases/", include("accord.cases.urls")),
    path("sharing/", include("accord.sharing.urls")),
    path("conflicts/", include("accord.conflicts.urls")),
    path("training/", include("accord.training.urls")),
    path("reports/", include("accord.reports.urls")),
    path("jobs/", include("accord.duties.urls")),
    path("api/v1/", api.urls),
]
