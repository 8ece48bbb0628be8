from __future__ import annotations

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("funder/", views.funder, name="funder"),
    path("prepared/<int:run_id>/", views.prepared, name="prepared"),
    path("prepared/<int:run_id>/report.csv", views.prepared_csv, name="prepared_csv"),
    # The period is in the path so it survives the re-authentication step (which keeps the path).
    # Anything may stand where the period goes (old links held two days): the view answers
    # 400 naming the field for whatever is not a funder period.
    path(
        "funder/<path:period>/report.csv",
        views.funder_download,
        {"fmt": "csv"},
        name="funder_csv",
    ),
    path(
        "funder/<path:period>/report.pdf",
        views.funder_download,
        {"fmt": "pdf"},
        name="funder_pdf",
    ),
]
