from __future__ import annotations

from django.urls import path

from . import views

app_name = "conflicts"

urlpatterns = [
    path("", views.index, name="index"),
    path("raise/", views.raise_disagreement, name="raise"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/amendment/", views.link_amendment, name="link_amendment"),
]
