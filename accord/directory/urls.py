from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<int:organization_id>/", views.organization_detail, name="organization"),
    path(
        "organizations/<int:organization_id>/verify/",
        views.organization_verify,
        name="organization_verify",
    ),
    path("services/<int:service_id>/", views.service_detail, name="service"),
    path("services/<int:service_id>/capacity/", views.service_capacity, name="service_capacity"),
    path("services/<int:service_id>/verify/", views.service_verify, name="service_verify"),
    path("upkeep/", views.upkeep, name="upkeep"),
    path("export/", views.export, name="export"),
    path("import/", views.import_view, name="import"),
]
