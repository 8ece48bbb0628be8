from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<int:organization_id>/", views.organization_detail, name="organization"),
    path(
        "organizations/<int:organization_id>/verify/",
        views.organization_verify,
        name="organization_verify",
    ),
    path(
        "organizations/<int:organization_id>/phones-and-contacts/",
        views.organization_reach,
        name="organization_reach",
    ),
    path(
        "organizations/<int:organization_id>/services/new/",
        views.service_create,
        name="service_create",
    ),
    path("services/<int:service_id>/", views.service_detail, name="service"),
    path("services/<int:service_id>/edit/", views.service_edit, name="service_edit"),
    path("services/<int:service_id>/capacity/", views.service_capacity, name="service_capacity"),
    path("services/<int:service_id>/verify/", views.service_verify, name="service_verify"),
    path(
        "locations/<int:location_id>/disclosures/",
        views.location_disclosures,
        name="location_disclosures",
    ),
    path(
        "locations/<int:location_id>/disclosures/<int:agency_id>/withdraw/",
        views.location_disclosure_withdraw,
        name="location_disclosure_withdraw",
    ),
    path("upkeep/", views.upkeep, name="upkeep"),
    path("export/", views.export, name="export"),
    path("import/", views.import_view, name="import"),
    path("import/<int:import_id>/", views.import_status, name="import_status"),
]
