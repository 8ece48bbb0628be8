from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("notice/", views.banner, name="banner"),
    path("login/", views.login, name="login"),
    path("mfa/", views.mfa, name="mfa"),
    path("logout/", views.logout, name="logout"),
    path("reauthenticate/", views.reauthenticate, name="reauthenticate"),
]
