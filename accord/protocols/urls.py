from django.urls import path

from . import editor_views, section_views, views

app_name = "protocols"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.version_new, name="new"),
    path("copy-in-force/", views.version_copy_in_force, name="copy_in_force"),
    path("handbook/", views.handbook, name="handbook_in_force"),
    path("handbook.pdf", views.handbook_pdf, name="handbook_in_force_pdf"),
    path("drills/", views.drills, name="drills"),
    path("drills/run/", views.drill_run, name="drill_run"),
    path("drills/<int:pk>/delete/", views.drill_scenario_delete, name="drill_delete"),
    path("<int:number>/", views.version_detail, name="detail"),
    path("<int:number>/edit/", views.version_edit, name="edit"),
    path("<int:number>/guided/", editor_views.guided, name="guided"),
    path(
        "<int:number>/guided/<slug:decision_id>/",
        editor_views.guided_decision,
        name="guided_decision",
    ),
    path(
        "<int:number>/guided/sections/<slug:section_key>/",
        section_views.guided_section,
        name="guided_section",
    ),
    path(
        "<int:number>/guided/sections/<slug:section_key>/new/",
        section_views.guided_section_entry,
        name="guided_section_add",
    ),
    path(
        "<int:number>/guided/sections/<slug:section_key>/<int:index>/",
        section_views.guided_section_entry,
        name="guided_section_entry",
    ),
    path("<int:number>/dmn/", views.version_dmn_import, name="dmn_import"),
    path("<int:number>/report/", views.version_report, name="report"),
    path("<int:number>/accept-risk/", views.version_accept_risk, name="accept_risk"),
    path("<int:number>/diff/", views.version_diff, name="diff"),
    path("<int:number>/circulate/", views.version_circulate, name="circulate"),
    path("<int:number>/withdraw/", views.version_withdraw, name="withdraw"),
    path("<int:number>/sign-off/", views.version_sign_off, name="sign_off"),
    path("<int:number>/bring-into-force/", views.version_bring_into_force, name="bring_into_force"),
    path("<int:number>/handbook/", views.handbook, name="handbook"),
    path("<int:number>/handbook.pdf", views.handbook_pdf, name="handbook_pdf"),
]
