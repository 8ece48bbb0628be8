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
    path("releases/", views.releases_index, name="releases"),
    path("releases/<int:release_id>/", views.release_detail, name="release_detail"),
    path("releases/<int:release_id>/revoke/", views.release_revoke, name="release_revoke"),
    path(
        "releases/<int:release_id>/signed-form/",
        views.release_signed_form,
        name="release_signed_form",
    ),
    path("releases/<int:release_id>/print/", views.release_print, name="release_print"),
    path(
        "releases/<int:release_id>/revocation-notice/",
        views.revocation_notice_print,
        name="revocation_notice_print",
    ),
    path("wording/", views.wording_index, name="wording"),
    path("wording/new/", views.wording_new, name="wording_new"),
    path("victims/<int:victim_id>/releases/", views.victim_releases, name="victim_releases"),
    path("victims/<int:victim_id>/releases/new/", views.release_new, name="release_new"),
]
