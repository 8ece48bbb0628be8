from __future__ import annotations

from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path(
        "why/<int:case_id>/<slug:kind>/<int:record_id>/<slug:field_name>/",
        views.why,
        name="why",
    ),
]
