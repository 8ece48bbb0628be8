from __future__ import annotations

from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.index, name="index"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("courses/<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("materials/<int:pk>/download/", views.material_download, name="material_download"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/register/", views.session_register, name="session_register"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/calendar.ics", views.session_ics, name="session_ics"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("compliance/", views.compliance_index, name="compliance"),
    path("compliance/agency/<slug:slug>/", views.compliance_agency, name="compliance_agency"),
    path("compliance/person/<int:pk>/", views.compliance_person, name="compliance_person"),
]
