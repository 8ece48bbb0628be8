from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.status, name="status"),
    path("mail/retry/", views.mail_retry, name="mail_retry"),
]
