from __future__ import annotations

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("funder/", views.funder, name="funder"),
    # The period is in the path so it survives the re-authentication step (which keeps the path).
    path(
        "funder/<str:start>/<str:end>/report.csv",
        views.funder_download,
        {"fmt": "csv"},
        name="funder_csv",
    ),
    path(
        "funder/<str:start>/<str:end>/report.pdf",
        views.funder_download,
        {"fmt": "pdf"},
        name="funder_pdf",
    ),
]
