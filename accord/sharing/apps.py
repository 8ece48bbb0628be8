from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "accord.sharing"
    label = "sharing"
    verbose_name = "Information sharing and consent"
